"""Properties of routing over many generated teams: rotation fairness, eligibility,
exclusions, and the shape of every decision."""

from __future__ import annotations

import ast
import string
import sys
from collections import Counter
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from liveapp.domain import routing
from liveapp.domain.routing import (
    CrmFacts,
    decide,
    is_eligible,
    next_in_rotation,
    rotation_order,
)
from liveapp.domain.salesforce_ids import canonical
from tests.domain.routing_builders import crm, rep, rule, salesforce

INELIGIBLE = [
    {"availability": "away"}, {"availability": "offline"}, {"is_chat_user": False},
    {"in_working_hours": False}, {"open_chats": 3, "max_chats": 3},
]


@settings(max_examples=150, deadline=None)
@given(
    n=st.integers(1, 8),
    k=st.integers(1, 5),
    ineligible=st.lists(st.sampled_from(INELIGIBLE), max_size=4),
    data=st.data(),
)
def test_round_robin_gives_each_of_n_reps_exactly_k_of_k_times_n_offers(n, k, ineligible, data):
    eligible = [rep(i) for i in range(1, n + 1)]
    others = [rep(100 + i, **fields) for i, fields in enumerate(ineligible)]
    reps = data.draw(st.permutations(eligible + others))
    rr = rule(route_to_all=True, distribution="round_robin")
    pointer, offers = None, []
    for _ in range(k * n):
        decision = decide([rr], {1}, reps, rotation={1: pointer})
        assert len(decision.offer_to) == 1
        pointer = decision.offer_to[0]
        offers.append(pointer)
    assert Counter(offers) == {r.id: k for r in eligible}
    if n > 1:
        assert all(a != b for a, b in zip(offers, offers[1:], strict=False))


@settings(max_examples=100, deadline=None)
@given(
    ids=st.lists(st.integers(1, 50), min_size=1, max_size=12, unique=True),
    pointer=st.none() | st.integers(0, 60),
)
def test_next_in_rotation_is_the_first_id_after_the_pointer_wrapping(ids, pointer):
    chosen = next_in_rotation(ids, pointer)
    later = sorted(i for i in ids if pointer is not None and i > pointer)
    assert chosen == (later[0] if later else min(ids))
    order = rotation_order(ids, pointer)
    assert order[0] == chosen and sorted(order) == sorted(ids)


rep_states = st.fixed_dictionaries({
    "availability": st.sampled_from(["available", "available", "away", "offline"]),
    "is_chat_user": st.booleans(),
    "active": st.booleans(),
    "in_working_hours": st.booleans(),
    "open_chats": st.integers(0, 4),
    "max_chats": st.integers(1, 4),
    "groups": st.sets(st.integers(1, 3), max_size=2),
})


@settings(max_examples=150, deadline=None)
@given(
    states=st.lists(rep_states, min_size=1, max_size=10),
    excluded=st.sets(st.integers(1, 10), max_size=4),
    mode=st.sampled_from(["first_available", "round_robin", "balanced"]),
    route=st.fixed_dictionaries({
        "route_to_groups": st.lists(st.integers(1, 3), max_size=2, unique=True),
        "route_to_all": st.booleans(),
        "fallback_groups": st.lists(st.integers(1, 3), max_size=2, unique=True),
    }),
    trigger=st.sampled_from(["pounce", "inbound"]),
    pointer=st.none() | st.integers(1, 10),
)
def test_every_offer_goes_to_eligible_reps_never_to_excluded_ones(
    states, excluded, mode, route, trigger, pointer
):
    reps = [rep(i, **s) for i, s in enumerate(states, start=1)]
    decision = decide([rule(distribution=mode, **route)], {1}, reps, CrmFacts(),
                      trigger=trigger, excluded=excluded, rotation={1: pointer})
    by_id = {r.id: r for r in reps}
    assert all(is_eligible(by_id[i], excluded) for i in decision.candidates)
    assert not set(decision.candidates) & excluded
    assert set(decision.offer_to) <= set(decision.candidates)
    assert (decision.outcome == "offer") == bool(decision.offer_to)
    if decision.outcome == "offer":
        expected = len(decision.candidates) if mode == "first_available" else 1
        assert len(decision.offer_to) == expected
    else:
        assert decision.outcome in (("none",) if trigger == "pounce" else ("queue",
                                                                           "meeting_booker"))
    assert decision.summary.startswith("rule 'Target accounts' matched")


def _either_form(short: str, long: bool) -> str:
    return canonical(short) if long else short


@settings(max_examples=150, deadline=None)
@given(
    short_ids=st.lists(st.text(string.ascii_letters + string.digits, min_size=15, max_size=15),
                       min_size=1, max_size=6, unique=True),
    data=st.data(),
)
def test_a_salesforce_owner_is_routed_to_their_rep_and_no_other(short_ids, data):
    """Distinct ids (even ones equal but for case) never collide, whichever form is stored
    or sent."""
    reps = [rep(n, salesforce_user_id=_either_form(sid, data.draw(st.booleans())))
            for n, sid in enumerate(short_ids, 1)]
    owner = data.draw(st.integers(0, len(short_ids) - 1))
    facts = crm(salesforce=salesforce(
        record_type="Lead", owner_user_id=_either_form(short_ids[owner], data.draw(st.booleans()))))
    decision = decide([rule(salesforce_owner=True)], {1}, reps, facts)
    assert decision.offer_to == (owner + 1,), decision.trace


def test_the_domain_imports_only_the_standard_library_and_itself():
    """`import liveapp` loads Flask (the app factory), so check the source instead."""
    package = Path(routing.__file__).parent
    for module in package.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top in sys.stdlib_module_names or name.startswith("liveapp.domain"), (
                    f"{module.name} imports {name}"
                )
