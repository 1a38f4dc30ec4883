"""A visitor's membership: segments, then experience, then stream."""

import dataclasses

from liveapp.domain.experiences import Experience, UrlRule
from liveapp.domain.facts import VisitorFacts
from liveapp.domain.membership import MembershipRules, evaluate
from liveapp.domain.streams import Membership, Stream

KNOWN_VISITOR = 1
TARGET_ACCOUNT = 2
CUSTOMER = 3
PRICING_PAGE = 100

RULES = MembershipRules.build(
    segments={
        KNOWN_VISITOR: {"match": "all", "conditions": [{"field": "email", "operator": "is_set"}]},
        TARGET_ACCOUNT: {"match": "all", "conditions": [
            {"field": "is_target_account", "operator": "equals", "value": True}]},
        CUSTOMER: {"match": "all", "conditions": [
            {"field": "account_type", "operator": "equals", "value": "Customer"}]},
    },
    experiences=[Experience(PRICING_PAGE, rules=(UrlRule("wildcard", "*/pricing*"),))],
    streams=[
        Stream(12, "Known Customers", 2, frozenset({CUSTOMER})),
        Stream(11, "Target Accounts", 1, frozenset({TARGET_ACCOUNT})),
        Stream(10, "High Intent", 0, frozenset({KNOWN_VISITOR}), frozenset({PRICING_PAGE})),
    ],
)


def test_an_anonymous_visitor_on_the_blog_is_nowhere():
    assert evaluate(RULES, VisitorFacts(current_url="https://acme.com/blog")) == Membership()


def test_the_pricing_page_experience_puts_a_visitor_in_high_intent():
    facts = VisitorFacts(current_url="https://acme.com/pricing", is_target_account=True)
    assert evaluate(RULES, facts) == Membership(frozenset({TARGET_ACCOUNT}), PRICING_PAGE, 10)


def test_an_experience_received_earlier_still_counts_for_placement():
    facts = VisitorFacts(current_url="https://acme.com/blog", is_target_account=True)
    assert evaluate(RULES, facts).stream_id == 11
    later = dataclasses.replace(facts, experiences_received=frozenset({PRICING_PAGE}))
    assert evaluate(RULES, later) == Membership(frozenset({TARGET_ACCOUNT}), None, 10)


def test_a_customer_who_is_also_known_appears_once_in_the_higher_stream():
    facts = VisitorFacts(email="ann@globex.com", account_type="customer")
    membership = evaluate(RULES, facts)
    assert membership.segment_ids == {KNOWN_VISITOR, CUSTOMER}
    assert membership.stream_id == 10
