"""Rule order: a catch-all rule matches every visitor, so no rule below it ever matches.

Routing tries active rules top to bottom (`first_matching_rule`); this module tells the
settings pages which rules that order hides, and where a new rule should go.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from liveapp.domain.criteria import Criteria


@dataclass(frozen=True, slots=True)
class RankedRule:
    """A rule's place in the order: what decides whether a visitor can reach it."""

    id: int
    name: str
    active: bool = True
    catch_all: bool = False


def is_catch_all(criteria: Criteria) -> bool:
    """True when the criteria match every visitor: they have no conditions.

    Conditions that happen to be always true are not looked for: "no conditions" is what
    an admin sees on the form ("Every visitor"), so it is what the warning can explain.
    """
    return not criteria.conditions


def first_catch_all(rules: Sequence[RankedRule]) -> int | None:
    """Index of the first active catch-all in `rules` (in the order they are tried).

    An inactive catch-all matches nobody, so it hides nothing.
    """
    return next((i for i, rule in enumerate(rules) if rule.active and rule.catch_all), None)


def hidden_by(rules: Sequence[RankedRule]) -> dict[int, str]:
    """Rule id -> name of the catch-all above it, for every rule that can never match."""
    index = first_catch_all(rules)
    if index is None:
        return {}
    return {rule.id: rules[index].name for rule in rules[index + 1:]}


def new_rule_index(rules: Sequence[RankedRule], catch_all: bool) -> int:
    """Where a new rule goes: directly above the first catch-all, so it can match.

    At the bottom when there is no catch-all, and when the new rule is a catch-all
    itself: above the old one it would silently take every visitor from it, whereas at the
    bottom the rules list warns that it never matches.
    """
    index = first_catch_all(rules)
    return len(rules) if index is None or catch_all else index
