"""A visitor's membership from their facts: segments, then experience, then stream.

Experiences' audiences are segments, and streams hold segments and experiences, so the
order is fixed. Segment criteria that test experiences see the ones already recorded in
the facts. Placement counts the experience chosen now and every one received before
(facts.experiences_received; the service decides how far back that goes).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from liveapp.domain import criteria
from liveapp.domain.criteria import Criteria, Predicate
from liveapp.domain.experiences import Experience, choose_experience
from liveapp.domain.facts import VisitorFacts
from liveapp.domain.streams import Membership, Stream, first_holding, priority_order


@dataclass(frozen=True)
class MembershipRules:
    """Everything membership depends on, compiled once per settings change."""

    segments: tuple[tuple[int, Predicate], ...]
    experiences: tuple[Experience, ...]
    streams: tuple[Stream, ...]

    @classmethod
    def build(
        cls,
        segments: Mapping[int, Criteria | Mapping[str, Any]],
        experiences: Iterable[Experience],
        streams: Iterable[Stream],
    ) -> MembershipRules:
        """Compile segments; experiences in priority order; streams sorted by priority."""
        compiled = tuple((ident, criteria.compile(rule)) for ident, rule in segments.items())
        return cls(compiled, tuple(experiences), tuple(priority_order(streams)))


def evaluate(rules: MembershipRules, facts: VisitorFacts) -> Membership:
    """The visitor's segments, the experience for their current page, and their stream."""
    segment_ids = frozenset(ident for ident, matches in rules.segments if matches(facts))
    experience_id = choose_experience(rules.experiences, facts.current_url, segment_ids)
    experience_ids = facts.experiences_received
    if experience_id is not None:
        experience_ids = experience_ids | {experience_id}
    stream_id = first_holding(rules.streams, segment_ids, experience_ids)
    return Membership(segment_ids, experience_id, stream_id)
