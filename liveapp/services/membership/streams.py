"""Live streams: create, edit, reorder and delete, with one stream per segment."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from liveapp.errors import ValidationFailed
from liveapp.extensions import db
from liveapp.models import Experience, Segment, Stream, stream_segments
from liveapp.services.bus import changes
from liveapp.services.membership import criteria_refs
from liveapp.services.settings import ordering
from liveapp.services.settings.names import name_taken

PALETTE = (
    ("#2f5bea", "Blue"),
    ("#1f9d55", "Green"),
    ("#d69e2e", "Amber"),
    ("#c62f3a", "Red"),
    ("#7c3aed", "Violet"),
    ("#0e9aa7", "Teal"),
    ("#db2777", "Pink"),
    ("#4b5563", "Slate"),
)


def ordered_streams() -> list[Stream]:
    """Every stream in priority order (left to right on the board)."""
    return list(db.session.scalars(select(Stream).order_by(Stream.position, Stream.id)))


def segment_owners(segment_ids: Sequence[int]) -> dict[int, Stream]:
    """The stream each of these segments already belongs to."""
    if not segment_ids:
        return {}
    rows = db.session.execute(
        select(stream_segments.c.segment_id, Stream)
        .join(Stream, Stream.id == stream_segments.c.stream_id)
        .where(stream_segments.c.segment_id.in_(segment_ids))
    )
    return {segment_id: stream for segment_id, stream in rows}


def _ownership_errors(stream: Stream | None, segments: Sequence[Segment]) -> list[str]:
    owners = segment_owners([s.id for s in segments])
    return [
        f"{segment.name}: This segment belongs to {owners[segment.id].name}"
        for segment in segments
        if segment.id in owners and owners[segment.id] is not stream
    ]


def _check(stream: Stream | None, name: str, segments, experiences) -> None:
    errors = {}
    if name_taken(Stream, name, stream):
        errors["name"] = "A stream with this name already exists."
    ownership = _ownership_errors(stream, segments)
    if ownership:
        errors["segments"] = "; ".join(ownership)
    if not segments and not experiences:
        errors["segments"] = "A stream needs at least one segment or experience."
    if errors:
        raise ValidationFailed(errors)


def save_stream(
    stream: Stream | None,
    *,
    name: str,
    colour: str,
    segments: Sequence[Segment],
    experiences: Sequence[Experience],
) -> Stream:
    """Create or update a stream; raises ValidationFailed naming the field."""
    name = name.strip()
    _check(stream, name, segments, experiences)
    if stream is None:
        last = db.session.scalar(select(func.max(Stream.position)))
        stream = Stream(position=(last + 1) if last is not None else 0)
        db.session.add(stream)
    stream.name, stream.colour = name, colour.lower()
    stream.segments, stream.experiences = list(segments), list(experiences)
    try:
        db.session.commit()
    except IntegrityError:
        # Another admin saved the same segment into another stream at the same moment.
        db.session.rollback()
        raise ValidationFailed({"segments": "; ".join(_ownership_errors(None, segments))
                                or "This segment belongs to another stream."}) from None
    changes.settings_changed("streams")
    return stream


def reorder(stream_ids: Sequence[int]) -> list[Stream]:
    """Save a new left-to-right order; the ids must be exactly the existing streams."""
    ordering.apply_order(ordered_streams(), stream_ids, "position", "stream")
    db.session.commit()
    changes.settings_changed("streams")
    return ordered_streams()


def delete_stream(stream: Stream) -> None:
    """Delete a stream; its segments and experiences stay and become free to reuse.

    Refused (ValidationFailed on "stream") while a routing rule tests membership of it."""
    refused = criteria_refs.in_use_message("stream", stream.id)
    if refused:
        raise ValidationFailed({"stream": refused})
    db.session.delete(stream)
    db.session.flush()
    ordering.renumber(ordered_streams(), "position")
    db.session.commit()
    changes.settings_changed("streams")
