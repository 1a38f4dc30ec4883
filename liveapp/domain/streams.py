"""Live streams: where a visitor is placed, who owns a segment, and membership changes.

A visitor appears in one stream at most: the highest-priority one (lowest position,
then lowest id) holding one of their segments or experiences. A stream with neither
segments nor experiences holds nobody.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Stream:
    """A stream as placement needs it."""

    id: int
    name: str
    position: int
    segment_ids: frozenset[int] = frozenset()
    experience_ids: frozenset[int] = frozenset()

    def holds(self, segment_ids: Collection[int], experience_ids: Collection[int]) -> bool:
        """Whether a visitor with these segments and experiences belongs here."""
        return not (
            self.segment_ids.isdisjoint(segment_ids)
            and self.experience_ids.isdisjoint(experience_ids)
        )


def priority_order(streams: Iterable[Stream]) -> list[Stream]:
    """Streams left to right: by position, ties by id."""
    return sorted(streams, key=lambda stream: (stream.position, stream.id))


def place(
    streams: Iterable[Stream], segment_ids: Collection[int], experience_ids: Collection[int]
) -> int | None:
    """The id of the one stream the visitor appears in, or None."""
    return first_holding(priority_order(streams), segment_ids, experience_ids)


def first_holding(
    ordered: Iterable[Stream], segment_ids: Collection[int], experience_ids: Collection[int]
) -> int | None:
    """Like place(), for streams already in priority order (sorted once per settings change)."""
    for stream in ordered:
        if stream.holds(segment_ids, experience_ids):
            return stream.id
    return None


@dataclass(frozen=True, slots=True)
class OwnershipConflict:
    """A segment found in a second stream; owner is the first by priority."""

    segment_id: int
    owner: Stream
    other: Stream

    @property
    def message(self) -> str:
        """The error the stream form shows (SPEC 2.4)."""
        return f"This segment belongs to {self.owner.name}"


def check_segment_ownership(streams: Iterable[Stream]) -> list[OwnershipConflict]:
    """Every segment that sits in more than one stream."""
    owners: dict[int, Stream] = {}
    conflicts = []
    for stream in priority_order(streams):
        for segment_id in sorted(stream.segment_ids):
            owner = owners.setdefault(segment_id, stream)
            if owner is not stream:
                conflicts.append(OwnershipConflict(segment_id, owner, stream))
    return conflicts


def segment_conflicts(
    streams: Iterable[Stream], stream_id: int | None, segment_ids: Iterable[int]
) -> dict[int, str]:
    """For a stream being saved (None: a new one), its segments that another stream owns."""
    wanted = set(segment_ids)
    conflicts: dict[int, str] = {}
    for other in priority_order(streams):
        if other.id == stream_id:
            continue
        for segment_id in sorted(wanted & other.segment_ids):
            conflicts.setdefault(segment_id, f"This segment belongs to {other.name}")
    return conflicts


@dataclass(frozen=True, slots=True)
class Membership:
    """Where a visitor stands: their segments, the experience they get, their stream."""

    segment_ids: frozenset[int] = frozenset()
    experience_id: int | None = None
    stream_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form, for Redis and events."""
        return {
            "segment_ids": sorted(self.segment_ids),
            "experience_id": self.experience_id,
            "stream_id": self.stream_id,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Membership:
        """Back from to_dict(); None or {} is the empty membership."""
        data = data or {}
        return cls(
            frozenset(data.get("segment_ids") or ()),
            data.get("experience_id"),
            data.get("stream_id"),
        )


@dataclass(frozen=True, slots=True)
class MembershipChange:
    """What changed between two memberships of one visitor."""

    old: Membership
    new: Membership
    joined_segments: frozenset[int]
    left_segments: frozenset[int]

    @property
    def experience_changed(self) -> bool:
        """Whether the visitor now gets a different experience (or none)."""
        return self.old.experience_id != self.new.experience_id

    @property
    def stream_changed(self) -> bool:
        """Whether the visitor moved to another stream (or onto/off the board)."""
        return self.old.stream_id != self.new.stream_id

    @property
    def changed(self) -> bool:
        """Whether anything changed: emit membership-changed only then."""
        return self.old != self.new


def diff(old: Membership | None, new: Membership) -> MembershipChange:
    """How new differs from old (None: the visitor had no membership yet)."""
    old = old or Membership()
    return MembershipChange(
        old, new, new.segment_ids - old.segment_ids, old.segment_ids - new.segment_ids
    )
