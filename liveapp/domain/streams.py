"""Live streams: where a visitor is placed, and membership changes. That a segment belongs
to one stream at most is the database's rule (a unique index), checked on save by
liveapp.services.membership.streams.

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


def first_holding(
    ordered: Iterable[Stream], segment_ids: Collection[int], experience_ids: Collection[int]
) -> int | None:
    """The id of the first of these streams (in priority order, sorted once per settings
    change) that holds the visitor, or None: the one stream the visitor appears in."""
    for stream in ordered:
        if stream.holds(segment_ids, experience_ids):
            return stream.id
    return None


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
