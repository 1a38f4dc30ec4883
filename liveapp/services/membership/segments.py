"""Segments: named criteria over visitor facts, validated by the pure criteria engine."""

from __future__ import annotations

from sqlalchemy import select

from liveapp.domain import criteria as domain
from liveapp.errors import ValidationFailed
from liveapp.extensions import db
from liveapp.models import Segment
from liveapp.services.bus import changes
from liveapp.services.membership import criteria_refs
from liveapp.services.settings.names import name_taken


def ordered_segments() -> list[Segment]:
    return list(db.session.scalars(select(Segment).order_by(Segment.name)))


def save_segment(segment: Segment | None, *, name: str, description: str,
                 criteria: dict) -> Segment:
    """Create or update a segment; raises ValidationFailed (criteria errors as a list)."""
    name = name.strip()
    errors: dict = {}
    if name_taken(Segment, name, segment):
        errors["name"] = "A segment with this name already exists."
    problems = (domain.validate(criteria) or domain.unmatchable(criteria)
                or criteria_refs.missing(criteria))
    if problems:
        errors["criteria"] = problems
    if errors:
        raise ValidationFailed(errors)
    parsed = domain.Criteria.from_dict(criteria)
    if segment is None:
        segment = Segment()
        db.session.add(segment)
    segment.name, segment.description = name, description.strip()
    segment.criteria = parsed.to_dict()
    db.session.commit()
    changes.settings_changed("segments")
    return segment


def delete_segment(segment: Segment) -> None:
    """Delete a segment; it leaves its stream and the experiences that targeted it.

    Refused (ValidationFailed on "segment") while a routing rule tests membership of it:
    the rule would silently stop matching."""
    refused = criteria_refs.in_use_message("segment", segment.id)
    if refused:
        raise ValidationFailed({"segment": refused})
    db.session.delete(segment)
    db.session.commit()
    changes.settings_changed("segments")


def describe(segment: Segment, names: domain.Names) -> str:
    """The segment's criteria in words, for lists and tooltips (`names`: what ids stand
    for, criteria_refs.choices().names())."""
    return criteria_refs.describe(segment.criteria, names)
