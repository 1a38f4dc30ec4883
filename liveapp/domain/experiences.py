"""Chat experiences: URL targeting, the flow of steps, and which experience a visitor gets.

Targeting: a page matches when it matches any include rule (or there are none) and no
exclude rule. Rules compare URLs as liveapp.domain.urls documents (equals, contains,
wildcard). The audience is a set of segment ids; empty means everyone.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from liveapp.domain.flows import InvalidExperience, Step, parse_flow, validate_flow
from liveapp.domain.urls import normalise_value, url_test, wildcard_error

__all__ = [
    "Experience", "InvalidExperience", "Step", "UrlRule", "choose_experience",
    "parse_audience", "parse_flow", "parse_targeting", "targeting_test", "validate_audience",
    "unmatchable_targeting", "validate_flow", "validate_targeting",
]

URL_RULE_KINDS = {"equals": "equals", "contains": "contains", "wildcard": "wildcard"}
MAX_RULES = 50
MAX_URL = 500


@dataclass(frozen=True, slots=True)
class UrlRule:
    """Include (or exclude) pages whose URL equals, contains or matches a wildcard."""

    kind: str
    value: str
    exclude: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The rule as JSON-safe data."""
        return {"kind": self.kind, "value": self.value, "exclude": self.exclude}


def validate_targeting(rules: Any) -> list[str]:
    """Every problem with JSON-safe URL rules (``[{"kind", "value", "exclude"}]``)."""
    if rules is None:
        return []
    if not isinstance(rules, list | tuple):
        return ["URL rules must be a list"]
    errors = [f"at most {MAX_RULES} URL rules"] if len(rules) > MAX_RULES else []
    for number, raw in enumerate(rules, start=1):
        problem = _rule_problem(raw)
        if problem:
            errors.append(f"URL rule {number}: {problem}")
    return errors


def _rule_problem(raw: Any) -> str | None:
    """What is wrong with one URL rule, or None."""
    if not isinstance(raw, dict):
        return "must be an object with kind and value"
    if raw.get("kind") not in URL_RULE_KINDS:
        return "choose equals, contains or wildcard"
    value = raw.get("value")
    if not isinstance(value, str) or not value.strip():
        return "needs a URL"
    if len(value) > MAX_URL:
        return f"at most {MAX_URL} characters"
    if raw["kind"] != "contains" and not normalise_value(value):
        return "needs a URL"
    if not isinstance(raw.get("exclude", False), bool):
        return "exclude must be true or false"
    return None


def unmatchable_targeting(rules: Any) -> list[str]:
    """Valid URL rules that could never match, e.g. a regex given as a wildcard; checked
    when an experience is saved (saved ones keep loading)."""
    return [f"URL rule {number}: the wildcard {problem}"
            for number, raw in enumerate(rules or (), start=1)
            if raw["kind"] == "wildcard" and (problem := wildcard_error(raw["value"]))]


def parse_targeting(rules: Any) -> tuple[UrlRule, ...]:
    """URL rules from JSON-safe data, raising InvalidExperience with every problem."""
    errors = validate_targeting(rules)
    if errors:
        raise InvalidExperience(errors)
    return tuple(
        UrlRule(raw["kind"], raw["value"].strip(), raw.get("exclude", False))
        for raw in rules or ()
    )


def targeting_test(rules: Iterable[UrlRule]) -> Callable[[str | None], bool]:
    """A test of a page URL against include/exclude rules, built once."""
    rules = tuple(rules)
    includes = tuple(url_test(r.kind, r.value) for r in rules if not r.exclude)
    excludes = tuple(url_test(r.kind, r.value) for r in rules if r.exclude)

    def matches(url: str | None) -> bool:
        page = url or ""
        if includes and not any(test(page) for test in includes):
            return False
        return not any(test(page) for test in excludes)

    return matches


def validate_audience(segment_ids: Any) -> list[str]:
    """Problems with an audience: a list of segment ids (empty means everyone)."""
    if segment_ids is None:
        return []
    if not isinstance(segment_ids, list | tuple | set | frozenset):
        return ["audience must be a list of segments"]
    if any(isinstance(i, bool) or not isinstance(i, int) or i <= 0 for i in segment_ids):
        return ["audience: unknown segment"]
    return []


def parse_audience(segment_ids: Any) -> frozenset[int]:
    """An audience from JSON-safe data, raising InvalidExperience."""
    errors = validate_audience(segment_ids)
    if errors:
        raise InvalidExperience(errors)
    return frozenset(segment_ids or ())


@dataclass(frozen=True)
class Experience:
    """An experience as choose_experience() needs it; targeting is compiled on creation."""

    id: int
    active: bool = True
    rules: tuple[UrlRule, ...] = ()
    audience: frozenset[int] = frozenset()
    flow: tuple[Step, ...] = ()
    matches_url: Callable[[str | None], bool] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "matches_url", targeting_test(self.rules))

    @property
    def routes_for_pounce(self) -> bool:
        """Whether the flow makes its visitors available for pounce on landing."""
        return any(step.type == "route_pounce" for step in self.flow)

    def reaches(self, segment_ids: Collection[int]) -> bool:
        """Whether the audience includes a visitor in these segments."""
        return not self.audience or not self.audience.isdisjoint(segment_ids)


def choose_experience(
    experiences: Sequence[Experience], url: str | None, segment_ids: Collection[int]
) -> int | None:
    """The first active experience (priority order) whose pages and audience match."""
    for experience in experiences:
        if experience.active and experience.reaches(segment_ids) and experience.matches_url(url):
            return experience.id
    return None
