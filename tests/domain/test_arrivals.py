"""Pounce arrivals, pure: the reason a routing decision gives its reps, and the line
their notice says ("Jane from Acme, from your Outreach sequence, is on Pricing")."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liveapp.domain.arrivals import Arrival
from liveapp.domain.routing import EngagementFacts, decide
from tests.domain.routing_builders import crm, outreach, rep, rule, salesforce, sf_id

# --- the decision's reason, step by step ----------------------------------------------


@pytest.mark.parametrize("mode", ["sender", "owner", "both"])
def test_the_reps_own_outreach_sequence(mode):
    facts = crm(outreach=outreach(sender="ann@x.com", owner="ann@x.com"))
    decision = decide([rule(outreach_mode=mode)], {1}, [rep(1)], facts, trigger="pounce")
    assert decision.step == "outreach" and decision.offer_to == (1,)
    assert decision.reason == "from your Outreach sequence"


def test_the_reps_own_salesloft_sequence_when_outreach_has_no_prospect():
    facts = crm(outreach=EngagementFacts.not_found(), salesloft=outreach(sender="bob@x.com"))
    decision = decide([rule(outreach_mode="sender")], {1}, [rep(1), rep(2)], facts,
                      trigger="pounce")
    assert decision.offer_to == (2,) and decision.reason == "from your Salesloft sequence"


@pytest.mark.parametrize(("facts", "reason"), [
    (salesforce(record_type="Contact", owner_user_id=sf_id(2)), "your Salesforce contact"),
    (salesforce(record_type="Lead", owner_user_id=sf_id(2)), "your Salesforce lead"),
    (salesforce(account_owner_user_id=sf_id(2)), "your Salesforce account"),
])
def test_the_reps_salesforce_record(facts, reason):
    decision = decide([rule(salesforce_owner=True)], {1}, [rep(2, salesforce_user_id=sf_id(2))],
                      crm(salesforce=facts), trigger="pounce")
    assert decision.step == "salesforce_owner" and decision.reason == reason


def test_the_reps_account_team():
    facts = crm(salesforce=salesforce(account_team=[(sf_id(3), "Sales Engineer")]))
    decision = decide([rule(account_team=True)], {1}, [rep(3, salesforce_user_id=sf_id(3))],
                      facts, trigger="pounce", enterprise=True)
    assert decision.reason == "your Salesforce account team"


@pytest.mark.parametrize("step", ["route_to_users", "fallback_users"])
def test_a_listed_rep_is_told_the_rule(step):
    # The Outreach sender is not a chat user: the rule's own list is the reason.
    facts = crm(outreach=outreach(sender="nobody@x.com"))
    decision = decide([rule(name="Target accounts", outreach_mode="sender", **{step: [1]})],
                      {1}, [rep(1)], facts, trigger="pounce")
    assert decision.offer_to == (1,) and decision.reason == "via Target accounts"


def test_no_reason_without_an_offer_and_it_is_kept_in_the_stored_form():
    nobody = decide([rule(route_to_users=[1])], {1}, [rep(1, availability="away")],
                    trigger="pounce")
    assert nobody.outcome == "none" and nobody.reason is None
    offered = decide([rule(route_to_users=[1])], {1}, [rep(1)], trigger="pounce")
    assert offered.to_dict()["reason"] == "via Target accounts"


# --- the notice's line -----------------------------------------------------------------


def test_the_line_says_who_why_and_where():
    jane = Arrival("v1", "Jane", "Acme", "from your Outreach sequence", "Pricing")
    assert jane.headline == "Jane from Acme, from your Outreach sequence, is on Pricing"
    assert Arrival("v1", "Acme", "Acme", "via Target accounts", "Docs").headline == \
        "Acme, via Target accounts, is on Docs"
    assert Arrival("v1", "jane@acme.com", None, None, "").headline == "jane@acme.com just arrived"


text = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30)


@given(name=text, company=st.none() | text, reason=st.none() | text, page=st.just("") | text)
def test_the_line_always_names_the_visitor_first_then_the_reason_and_page(name, company,
                                                                         reason, page):
    line = Arrival("v", name, company, reason, page).headline
    assert line.startswith(name)
    if company and company != name:
        assert line.startswith(f"{name} from {company}")
    if reason:
        assert f", {reason}," in line
    assert line.endswith(f" is on {page}" if page else " just arrived")
