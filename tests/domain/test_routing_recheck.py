"""Routing again on new CRM facts: which re-decisions replace the old one, and the words
that say so."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from liveapp.domain.routing import SalesforceFacts, decide
from liveapp.domain.routing.decision import RoutingDecision
from liveapp.domain.routing.recheck import rerouted, same_outcome, why_rerouted
from tests.domain.routing_builders import crm, rep, rule, salesforce, sf_id

REPS = [rep(1), rep(2, salesforce_user_id=sf_id(2)), rep(3)]
OWNER_FIRST = rule(1, "Owners first", salesforce_owner=True, fallback_users=[1])
FOUND = crm(salesforce=salesforce(record_type="Contact", owner_user_id=sf_id(2)))


def pending_then_found(mode: str = "first_available") -> tuple[RoutingDecision, RoutingDecision]:
    owner_first = rule(1, "Owners first", salesforce_owner=True, fallback_users=[1],
                       distribution=mode)
    before = decide([owner_first], {1}, REPS, crm(salesforce=SalesforceFacts.pending()))
    return before, decide([owner_first], {1}, REPS, FOUND)


def test_the_owner_found_later_replaces_the_fallback_and_says_so():
    before, after = pending_then_found()
    assert not same_outcome(before, after, before.offer_to)
    replaced = rerouted(before, after)
    assert replaced.trace[0] == (
        "re-routed: Salesforce owner found → Bob Baker (before: fallback Ann Lee → Ann Lee)")
    assert replaced.trace[1:] == after.trace and replaced.offer_to == (2,)


def test_facts_that_change_nothing_are_the_same_outcome():
    before = decide([OWNER_FIRST], {1}, REPS, FOUND)
    again = decide([OWNER_FIRST], {1}, REPS, FOUND)
    assert same_outcome(before, again, before.offer_to)
    not_found = decide([OWNER_FIRST], {1}, REPS, crm(salesforce=SalesforceFacts.not_found()))
    pending = decide([OWNER_FIRST], {1}, REPS, crm(salesforce=SalesforceFacts.pending()))
    assert same_outcome(pending, not_found, pending.offer_to)  # still the fallback


def test_round_robin_keeps_the_rep_it_holds_while_they_are_still_a_candidate():
    rr = rule(1, "Everyone", route_to_users=[1, 3], distribution="round_robin")
    first = decide([rr], {1}, REPS, rotation={1: None})
    moved_on = decide([rr], {1}, REPS, rotation={1: first.offer_to[0]})
    assert first.offer_to != moved_on.offer_to
    assert same_outcome(first, moved_on, first.offer_to)
    assert not same_outcome(first, moved_on, [2])  # the rep held is not a candidate


def test_a_different_rule_or_outcome_is_a_change():
    other = rule(2, "Everyone", position=0, route_to_users=[3])
    before = decide([OWNER_FIRST], {1}, REPS, FOUND)
    after = decide([OWNER_FIRST, other], {1, 2}, REPS, FOUND)
    assert not same_outcome(before, after, before.offer_to)
    assert why_rerouted(before, after) == "rule 'Everyone' matches now"
    nobody = decide([OWNER_FIRST], {1}, [rep(1, availability="away")], FOUND, trigger="inbound")
    assert not same_outcome(before, nobody, before.offer_to)
    assert rerouted(before, nobody).trace[0].startswith("re-routed: CRM facts changed → waiting")


def test_the_meeting_booker_stands_unless_a_rep_can_be_offered_now():
    strict = rule(1, "Owners first", salesforce_owner=True, when_nobody="queue")
    away = [rep(2, salesforce_user_id=sf_id(2), availability="away")]
    queued = decide([strict], {1}, away, FOUND, trigger="inbound")
    assert queued.outcome == "queue"
    booker = RoutingDecision(outcome="meeting_booker", rule_id=1, rule_name="Owners first",
                             mode="first_available", trace=("waited 120 s → meeting booker",))
    assert same_outcome(booker, queued, [])  # back to the queue would take the booker away
    owner_back = decide([strict], {1}, REPS, FOUND, trigger="inbound")
    assert not same_outcome(booker, owner_back, [])


def test_a_stored_decision_comes_back_whole():
    before, _ = pending_then_found()
    assert RoutingDecision.from_dict(before.to_dict()) == before


@given(st.sampled_from(["first_available", "round_robin", "balanced"]),
       st.lists(st.sampled_from([1, 2, 3]), max_size=3, unique=True))
def test_a_decision_is_always_the_same_outcome_as_itself(mode, offered):
    _, after = pending_then_found(mode)
    assert same_outcome(after, after, after.offer_to)
    if same_outcome(after, after, offered):
        assert offered and (offered[0] in after.candidates)
