"""Routing and groups' business hours: a closed group's members are not routed to
through it; the explanation says it is closed and when it opens; the card's short why
names it; an open group, a named user or a fallback still takes the visitor."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from liveapp.domain.routing import decide
from liveapp.domain.routing.reasons import card_reason
from tests.domain.routing_builders import rep, rule

EMEA, US = 10, 20
CLOSED = {EMEA: "Sales EMEA closed (opens Mon 09:00 Europe/Berlin)"}
NAMES = {EMEA: "Sales EMEA", US: "Sales US"}


def test_a_closed_group_sends_the_request_to_the_queue_saying_why():
    reps = [rep(1, groups=[EMEA]), rep(2, groups=[EMEA])]
    decision = decide([rule(route_to_groups=[EMEA], group_names=NAMES)], {1}, reps,
                      closed_groups=CLOSED)
    assert decision.outcome == "queue"
    assert "Sales EMEA closed (opens Mon 09:00 Europe/Berlin)" in decision.trace
    assert decision.closed == (CLOSED[EMEA],)
    assert set(decision.named) == {1, 2}
    assert decision.reason == "Sales EMEA closed"
    assert card_reason(decision.reason, decision.outcome) == "Sales EMEA closed"


def test_the_rules_meeting_booker_still_applies_when_closed():
    decision = decide([rule(route_to_groups=[EMEA], group_names=NAMES,
                            when_nobody="meeting_booker")], {1}, [rep(1, groups=[EMEA])],
                      closed_groups=CLOSED)
    assert decision.outcome == "meeting_booker"
    assert decision.trace[-1] == "nobody eligible → meeting booker"


def test_the_same_group_open_routes_normally():
    decision = decide([rule(route_to_groups=[EMEA], group_names=NAMES)], {1},
                      [rep(1, groups=[EMEA])])
    assert decision.outcome == "offer"
    assert decision.offer_to == (1,)
    assert decision.closed == ()
    assert card_reason(None, "queue") == "waiting for a free rep"


def test_an_open_group_beside_a_closed_one_takes_the_visitor():
    reps = [rep(1, groups=[EMEA]), rep(2, groups=[US])]
    decision = decide([rule(route_to_groups=[EMEA, US], group_names=NAMES)], {1}, reps,
                      closed_groups=CLOSED)
    assert decision.offer_to == (2,)
    assert decision.trace[1] == CLOSED[EMEA]
    assert decision.trace[-1] == "route to group Sales US → Bob Baker"
    assert decision.closed == (CLOSED[EMEA],)


def test_a_rep_named_directly_is_routed_even_when_their_group_is_closed():
    reps = [rep(1, groups=[EMEA]), rep(2, groups=[EMEA])]
    decision = decide([rule(route_to_users=[1], route_to_groups=[EMEA], group_names=NAMES)],
                      {1}, reps, closed_groups=CLOSED)
    assert decision.offer_to == (1,)


def test_the_fallback_takes_over_from_a_closed_group():
    reps = [rep(1, groups=[EMEA]), rep(2, groups=[US])]
    decision = decide([rule(route_to_groups=[EMEA], fallback_groups=[US], group_names=NAMES)],
                      {1}, reps, closed_groups=CLOSED)
    assert decision.offer_to == (2,)
    assert decision.step == "fallback"


def test_pounce_to_a_closed_group_goes_nowhere_and_says_why():
    decision = decide([rule(route_to_groups=[EMEA], group_names=NAMES)], {1},
                      [rep(1, groups=[EMEA])], trigger="pounce", closed_groups=CLOSED)
    assert decision.outcome == "none"
    assert CLOSED[EMEA] in decision.summary


def test_closed_and_named_survive_the_stored_form():
    from liveapp.domain.routing import RoutingDecision

    decision = decide([rule(route_to_groups=[EMEA], group_names=NAMES)], {1},
                      [rep(1, groups=[EMEA])], closed_groups=CLOSED)
    assert RoutingDecision.from_dict(decision.to_dict()) == decision


@settings(max_examples=300, deadline=None)
@given(st.lists(st.frozensets(st.sampled_from([EMEA, US]), max_size=2), min_size=1,
                max_size=5),
       st.frozensets(st.sampled_from([EMEA, US])),
       st.lists(st.integers(1, 5), max_size=2, unique=True))
def test_only_open_groups_and_named_users_are_offered(memberships, closed, users):
    reps = [rep(i + 1, groups=g) for i, g in enumerate(memberships)]
    closed_groups = {g: f"{NAMES[g]} closed (opens Mon 09:00 UTC)" for g in closed}
    decision = decide([rule(route_to_groups=[EMEA, US], route_to_users=users,
                            group_names=NAMES)], {1}, reps, closed_groups=closed_groups)
    open_members = {r.id for r in reps if r.group_ids - closed}
    named = {u for u in users if u <= len(reps)}
    assert set(decision.offer_to) == open_members | named
    assert set(decision.closed) == set(closed_groups.values())
    assert set(decision.named) == {r.id for r in reps if r.group_ids} | named
    if not decision.offer_to:
        assert decision.outcome == "queue"
        assert (decision.reason is None) == (not closed)


def test_the_widget_offers_the_offline_message_for_a_closed_request():
    from liveapp.domain.widget import status

    assert status(False, "queue", "inbound", False, True, closed=True) == "offline"
    assert status(False, "meeting_booker", "inbound", False, True, closed=True) == "offline"
    assert status(False, "queue", "inbound", False, True) == "waiting"
    assert status(False, "offer", "inbound", False, True, closed=True) == "offering"
    assert status(True, "queue", "inbound", False, True, closed=True) == "chatting"
