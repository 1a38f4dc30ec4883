"""Rule order: which rules a catch-all above them hides, where a new rule goes, checked
against the order routing itself uses (`first_matching_rule`)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from liveapp.domain.criteria import Criteria
from liveapp.domain.routing import first_matching_rule
from liveapp.domain.routing.order import (
    RankedRule,
    first_catch_all,
    hidden_by,
    is_catch_all,
    new_rule_index,
)
from tests.domain.routing_builders import rule

NEW_ID = 10_000


def ranked(*specs: str) -> list[RankedRule]:
    """Rules from short specs: "A" has conditions, "*A" is a catch-all, "-" marks inactive."""
    rules = []
    for i, spec in enumerate(specs, start=1):
        name = spec.strip("*-")
        rules.append(RankedRule(id=i, name=name, active="-" not in spec, catch_all="*" in spec))
    return rules


rule_lists = st.lists(
    st.tuples(st.booleans(), st.booleans()), max_size=8
).map(lambda flags: [
    RankedRule(id=i, name=f"R{i}", active=active, catch_all=catch_all)
    for i, (active, catch_all) in enumerate(flags, start=1)
])


def reachable(rules: list[RankedRule], rule_id: int) -> bool:
    """Can some visitor be routed by this rule? Try the visitor that matches it and,
    as every visitor does, every catch-all; routing only sees active rules."""
    routed = [rule(r.id, r.name, position=p) for p, r in enumerate(rules) if r.active]
    matched = {r.id for r in rules if r.catch_all or r.id == rule_id}
    found = first_matching_rule(routed, matched)
    return found is not None and found.id == rule_id


def test_no_conditions_is_a_catch_all():
    assert is_catch_all(Criteria.from_dict({"match": "any", "conditions": []}, allow_empty=True))
    assert not is_catch_all(Criteria.from_dict(
        {"match": "all", "conditions": [{"field": "email", "operator": "is_set"}]}))


def test_every_rule_below_the_first_active_catch_all_is_hidden_by_it():
    rules = ranked("Outbound", "*Everyone else", "Target", "-Paused", "*Night shift")
    assert hidden_by(rules) == {3: "Everyone else", 4: "Everyone else", 5: "Everyone else"}


def test_an_inactive_catch_all_hides_nothing():
    assert hidden_by(ranked("-*Old catch-all", "Target")) == {}
    assert hidden_by(ranked("-*Old", "Target", "*Everyone else", "Late")) == {4: "Everyone else"}
    assert hidden_by(ranked("A", "B")) == {} and hidden_by([]) == {}


def test_a_new_rule_goes_directly_above_the_first_active_catch_all():
    assert new_rule_index(ranked("A", "*Everyone else", "B"), catch_all=False) == 1
    assert new_rule_index(ranked("-*Old", "A", "*Everyone else"), catch_all=False) == 2
    assert new_rule_index(ranked("A", "B"), catch_all=False) == 2
    assert new_rule_index([], catch_all=False) == 0


def test_a_new_catch_all_goes_last_rather_than_take_every_visitor():
    assert new_rule_index(ranked("A", "*Everyone else", "B"), catch_all=True) == 3


@settings(max_examples=300, deadline=None)
@given(rule_lists)
def test_a_rule_is_flagged_exactly_when_routing_can_never_reach_it(rules):
    hidden = hidden_by(rules)
    for r in rules:
        if r.active:
            assert (r.id in hidden) == (not reachable(rules, r.id))
        if r.id in hidden:
            index = first_catch_all(rules)
            assert index is not None and hidden[r.id] == rules[index].name
            assert rules.index(r) > index


@settings(max_examples=300, deadline=None)
@given(rule_lists, st.booleans())
def test_a_new_rule_with_conditions_can_match_and_keeps_the_others_order(rules, active):
    index = new_rule_index(rules, catch_all=False)
    new = RankedRule(id=NEW_ID, name="New", active=active, catch_all=False)
    placed = [*rules[:index], new, *rules[index:]]
    assert NEW_ID not in hidden_by(placed)
    assert hidden_by(placed) == hidden_by(rules)  # nothing else changes either
    # As low as it can go: only the catch-all it sits above comes after it, and below.
    assert index == len(rules) or index == first_catch_all(rules)
