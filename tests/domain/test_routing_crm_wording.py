"""What the trace says about each CRM step's facts: not configured, look-up pending,
unavailable (with the integration's reason), no match, matched. A configured CRM is never
"not connected" (issue 12: routing that ran before the look-up said so)."""

from __future__ import annotations

import pytest

from liveapp.domain.routing import EngagementFacts, SalesforceFacts, decide
from tests.domain.routing_builders import crm, outreach, rep, rule, salesforce, sf_id

REPS = [rep(1), rep(2, salesforce_user_id=sf_id(2))]
BOTH = {"outreach_mode": "owner", "salesforce_owner": True, "fallback_users": [1]}


def trace_for(facts) -> tuple[str, ...]:
    return decide([rule(**BOTH)], {1}, REPS, facts).trace


@pytest.mark.parametrize(("facts", "line"), [
    (SalesforceFacts.pending(), "Salesforce look-up pending: skipped"),
    (SalesforceFacts.unavailable("rate limited"), "Salesforce unavailable (rate limited): skipped"),
    (SalesforceFacts.unavailable(""), "Salesforce unavailable (no reason given): skipped"),
    (SalesforceFacts.not_found(), "Salesforce: no matching Contact, Lead or Account"),
    (SalesforceFacts.not_looked_up(), "Salesforce: no look-up result for this visitor: skipped"),
    (None, "Salesforce not configured: skipped"),
])
def test_each_salesforce_state_has_its_own_words(facts, line):
    trace = trace_for(crm(salesforce=facts))
    assert line in trace
    assert not any("not connected" in said for said in trace)
    assert trace[-1] == "fallback Ann Lee → Ann Lee"


@pytest.mark.parametrize(("facts", "line"), [
    (EngagementFacts.pending(), "Outreach look-up pending: skipped"),
    (EngagementFacts.unavailable("rate limited"), "Outreach unavailable (rate limited): skipped"),
    (EngagementFacts.not_found(), "Outreach: no prospect for this visitor"),
    (EngagementFacts.not_looked_up(), "Outreach: no look-up result for this visitor: skipped"),
])
def test_each_outreach_state_has_its_own_words(facts, line):
    trace = trace_for(crm(outreach=facts))
    assert line in trace
    assert "Outreach/Salesloft not configured: skipped" not in trace
    assert not any("not connected" in said for said in trace)


def test_neither_engagement_crm_configured():
    assert "Outreach/Salesloft not configured: skipped" in trace_for(crm())


def test_a_matched_salesforce_owner_routes_to_them():
    facts = crm(salesforce=salesforce(record_type="Contact", owner_user_id=sf_id(2)),
                outreach=outreach(owner="nobody@elsewhere.example"))
    trace = trace_for(facts)
    assert "Outreach prospect owner nobody@elsewhere.example is not an app user" in trace
    assert trace[-1] == "Salesforce Contact owner Bob Baker is available → Bob Baker"


def test_pending_salesforce_is_said_once_for_owner_and_account_team():
    both = rule(salesforce_owner=True, account_team=True, fallback_users=[1])
    trace = decide([both], {1}, REPS, crm(salesforce=SalesforceFacts.pending()),
                   enterprise=True).trace
    assert trace.count("Salesforce look-up pending: skipped") == 1
