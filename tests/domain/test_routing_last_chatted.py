"""The "last chatted rep" step: a returning visitor goes first to the rep who chatted with
them last (if that chat started within the rule's days), before the CRM owners; when that
rep cannot take them, or the chat is too old, routing goes on and the trace says why."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from liveapp.domain.routing import LastChat, decide, validate_rule
from liveapp.domain.routing.reasons import card_reason
from tests.domain.routing_builders import crm, rep, rule, salesforce, sf_id

OWNER_FIRST = dict(last_chatted_days=30, salesforce_owner=True, route_to_users=[3])
FACTS = crm(salesforce=salesforce(record_type="Contact", owner_user_id=sf_id(2)))
REPS = [rep(1), rep(2, salesforce_user_id=sf_id(2)), rep(3)]


def test_the_last_chatted_rep_comes_before_the_crm_owner():
    decision = decide([rule(**OWNER_FIRST)], {1}, REPS, FACTS, last_chat=LastChat(1, 3.5))
    assert decision.offer_to == (1,) and decision.step == "last_chatted"
    assert decision.trace[1] == "last chatted rep Ann Lee is available → Ann Lee"
    assert decision.reason == "you chatted with them last"
    assert card_reason(decision.reason, decision.outcome) == "the rep they last chatted with"


def test_a_chat_older_than_the_rule_allows_goes_to_the_owner():
    decision = decide([rule(**OWNER_FIRST)], {1}, REPS, FACTS, last_chat=LastChat(1, 45.2))
    assert decision.offer_to == (2,)
    assert "last chatted rep: the last chat was 45 days ago, more than 30" in decision.trace


def test_a_first_time_visitor_or_a_rule_without_the_step():
    first = decide([rule(**OWNER_FIRST)], {1}, REPS, FACTS, last_chat=None)
    assert first.offer_to == (2,)
    assert "last chatted rep: no earlier chat with this visitor" in first.trace
    without = decide([rule(salesforce_owner=True)], {1}, REPS, FACTS, last_chat=LastChat(1, 1))
    assert without.offer_to == (2,) and not any("last chatted" in t for t in without.trace)


def test_the_last_chatted_rep_away_or_gone_moves_on():
    away = [rep(1, availability="away"), *REPS[1:]]
    decision = decide([rule(**OWNER_FIRST)], {1}, away, FACTS, last_chat=LastChat(1, 2))
    assert decision.offer_to == (2,)
    assert any(t.startswith("last chatted rep Ann Lee") and "away" in t for t in decision.trace)
    gone = decide([rule(**OWNER_FIRST)], {1}, REPS, FACTS, last_chat=LastChat(99, 2))
    assert gone.offer_to == (2,)
    assert "last chatted rep: no longer an app user" in gone.trace


@given(st.floats(0, 400), st.integers(1, 365))
def test_the_step_applies_exactly_within_its_days(days_ago, days):
    decision = decide([rule(last_chatted_days=days, route_to_users=[3])], {1}, REPS,
                      last_chat=LastChat(1, days_ago))
    assert (decision.offer_to == (1,)) == (days_ago <= days)


def test_the_rule_form_checks_the_days():
    base = {"name": "Returning", "distribution": "first_available"}
    assert validate_rule({**base, "last_chatted": "y", "last_chatted_days": "30"}) == {}
    for bad in ("", "0", "366", "soon"):
        errors = validate_rule({**base, "last_chatted": "y", "last_chatted_days": bad})
        assert errors == {"last_chatted_days":
                          "Give how many days back the last chat counts, 1 to 365."}
    # Off: the days are not read.
    assert validate_rule({**base, "last_chatted_days": "soon", "route_to_all": "y"}) == {}
