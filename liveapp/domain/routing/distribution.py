"""Distribution among eligible reps: round robin rotation and balanced ordering."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from liveapp.domain.routing.inputs import Rep


def next_in_rotation(candidates: Iterable[int], last_pointer: int | None) -> int:
    """The rep whose turn it is: the smallest id after the last one assigned, wrapping.

    Rotation follows id order rather than list order, so the turn stays fair when the
    candidate set changes between calls (a rep goes away, another joins).
    `liveapp.services.routing.rotation.advance` does the same atomically in Redis.

    Raises:
        ValueError: no candidates.
    """
    ordered = sorted(set(candidates))
    if not ordered:
        raise ValueError("round robin needs at least one candidate")
    if last_pointer is None:
        return ordered[0]
    return next((rep_id for rep_id in ordered if rep_id > last_pointer), ordered[0])


def rotation_order(candidates: Iterable[int], last_pointer: int | None) -> list[int]:
    """All candidates in the order their turns come, starting with the next one."""
    ordered = sorted(set(candidates))
    if not ordered:
        return []
    first = ordered.index(next_in_rotation(ordered, last_pointer))
    return ordered[first:] + ordered[:first]


def _waited_key(last_assigned_at: datetime | None) -> tuple[int, float]:
    # Never assigned waits longest; then the earliest assignment.
    if last_assigned_at is None:
        return (0, 0.0)
    if last_assigned_at.tzinfo is None:  # naive means UTC, as in our database
        last_assigned_at = last_assigned_at.replace(tzinfo=UTC)
    return (1, last_assigned_at.timestamp())


def balanced_order(reps: Sequence[Rep]) -> list[Rep]:
    """Fewest open chats first; ties go to the longest since last assignment, then id."""
    return sorted(reps, key=lambda r: (r.open_chats, _waited_key(r.last_assigned_at), r.id))
