"""Every operator on every field type: one table row per case, evaluated on plain facts."""

import pytest

from liveapp.domain.criteria import Criteria, compile
from liveapp.domain.facts import VisitorFacts
from liveapp.domain.fields import FIELDS, TYPE_OPERATORS

PRICING = "https://ACME.com/pricing/?utm_source=ads#plans"

# (field, operator, value, facts, expected)
CASES = [
    # text
    ("company_name", "equals", "Acme", {"company_name": " ACME "}, True),
    ("company_name", "equals", "Acme", {"company_name": "Acme Corp"}, False),
    ("company_name", "equals", "Acme", {}, False),
    ("company_name", "not_equals", "Acme", {"company_name": "Globex"}, True),
    ("company_name", "not_equals", "Acme", {"company_name": "acme"}, False),
    ("company_name", "not_equals", "Acme", {}, True),
    ("company_name", "contains", "CME", {"company_name": "Acme Corp"}, True),
    ("company_name", "contains", "globex", {"company_name": "Acme Corp"}, False),
    ("company_name", "contains", "acme", {}, False),
    ("email_domain", "starts_with", "acme", {"email": "bob@ACME.com"}, True),
    ("email_domain", "starts_with", "globex", {"email": "bob@acme.com"}, False),
    ("email_domain", "ends_with", ".COM", {"email": "bob@acme.com"}, True),
    ("email_domain", "ends_with", ".org", {"email": "bob@acme.com"}, False),
    ("email_domain", "ends_with", ".com", {"email": "not-an-email"}, False),
    ("country", "in_list", ["US", "ca"], {"country": "CA"}, True),
    ("country", "in_list", ["US", "ca"], {"country": "FR"}, False),
    ("country", "in_list", ["US", "ca"], {}, False),
    ("industry", "is_set", None, {"industry": "SaaS"}, True),
    ("industry", "is_set", None, {"industry": "   "}, False),
    ("industry", "is_set", None, {}, False),
    ("industry", "is_not_set", None, {}, True),
    ("industry", "is_not_set", None, {"industry": "SaaS"}, False),
    ("email", "is_set", None, {"email": "bob@acme.com"}, True),
    # url (query ignored by equals/wildcard unless the value has one; scheme likewise)
    ("current_url", "equals", "acme.com/pricing", {"current_url": PRICING}, True),
    ("current_url", "equals", "https://acme.com/pricing", {"current_url": PRICING}, True),
    ("current_url", "equals", "http://acme.com/pricing", {"current_url": PRICING}, False),
    ("current_url", "equals", "acme.com/pricing",
     {"current_url": "https://acme.com/pricing/teams"}, False),
    ("current_url", "equals", "acme.com/pricing?plan=pro",
     {"current_url": "https://acme.com/pricing?plan=pro"}, True),
    ("current_url", "equals", "acme.com/pricing?plan=pro",
     {"current_url": "https://acme.com/pricing?plan=free"}, False),
    ("current_url", "equals", "acme.com/pricing", {}, False),
    ("current_url", "not_equals", "acme.com/pricing", {"current_url": PRICING}, False),
    ("current_url", "not_equals", "acme.com/pricing", {"current_url": "https://acme.com/"}, True),
    ("current_url", "not_equals", "acme.com/pricing", {}, True),
    ("current_url", "contains", "utm_source=ADS", {"current_url": PRICING}, True),
    ("current_url", "contains", "plans", {"current_url": PRICING}, False),
    ("current_url", "contains", "pricing", {}, False),
    ("current_url", "starts_with", "https://acme.com/pri", {"current_url": PRICING}, True),
    ("current_url", "starts_with", "http://acme.com", {"current_url": PRICING}, False),
    ("current_url", "url_matches", "*/pricing*", {"current_url": PRICING}, True),
    ("current_url", "url_matches", "*/pricing*",
     {"current_url": "https://acme.com/about?next=/pricing"}, False),
    ("current_url", "url_matches", "*/pricing", {"current_url": "https://acme.com/pricing/"}, True),
    ("current_url", "url_matches", "acme.com/*/api",
     {"current_url": "https://acme.com/docs/v2/api"}, True),
    ("current_url", "url_matches", "*?next=*",
     {"current_url": "https://acme.com/about?next=/pricing"}, True),
    ("current_url", "url_matches", "*/pricing*", {}, False),
    ("current_url", "is_set", None, {"current_url": PRICING}, True),
    ("current_url", "is_not_set", None, {}, True),
    ("current_url", "is_set", None, {}, False),
    ("current_url", "is_not_set", None, {"current_url": PRICING}, False),
    ("referrer", "contains", "google.", {"referrer": "https://www.google.com/"}, True),
    # number
    ("page_count", "equals", 3, {"page_count": 3}, True),
    ("page_count", "equals", 3, {"page_count": 4}, False),
    ("page_count", "not_equals", 3, {"page_count": 4}, True),
    ("page_count", "not_equals", 3, {"page_count": 3}, False),
    ("page_count", "greater_than", 3, {"page_count": 4}, True),
    ("page_count", "greater_than", 3, {"page_count": 3}, False),
    ("page_count", "less_than", 3, {"page_count": 2}, True),
    ("page_count", "less_than", 3, {"page_count": 3}, False),
    ("time_on_site_seconds", "greater_than", 59.5, {"time_on_site_seconds": 60}, True),
    ("employees", "less_than", 100, {"employees": 50}, True),
    ("employees", "less_than", 100, {}, False),
    ("employees", "greater_than", 100, {}, False),
    ("employees", "equals", 0, {"employees": 0}, True),
    ("employees", "is_set", None, {"employees": 0}, True),
    ("employees", "is_set", None, {}, False),
    ("employees", "is_not_set", None, {}, True),
    ("employees", "is_not_set", None, {"employees": 0}, False),
    ("lead_score", "greater_than", 50.5, {"lead_score": 51}, True),
    ("lead_score", "not_equals", 50, {}, True),
    # bool
    ("is_target_account", "equals", True, {"is_target_account": True}, True),
    ("is_target_account", "equals", True, {"is_target_account": False}, False),
    ("is_target_account", "equals", True, {}, False),
    ("is_target_account", "equals", False, {"is_target_account": False}, True),
    ("is_target_account", "equals", False, {}, False),
    ("is_contact", "is_set", None, {"is_contact": False}, True),
    ("is_contact", "is_set", None, {}, False),
    ("is_contact", "is_not_set", None, {}, True),
    ("is_contact", "is_not_set", None, {"is_contact": True}, False),
    # choice
    ("lifecycle_stage", "equals", "MQL", {"lifecycle_stage": "mql"}, True),
    ("lifecycle_stage", "equals", "MQL", {"lifecycle_stage": "SQL"}, False),
    ("lifecycle_stage", "not_equals", "MQL", {"lifecycle_stage": "SQL"}, True),
    ("lifecycle_stage", "not_equals", "MQL", {"lifecycle_stage": "Mql"}, False),
    ("lifecycle_stage", "in_list", ["Customer", "Opportunity"], {"lifecycle_stage": "customer"},
     True),
    ("lifecycle_stage", "in_list", ["Customer", "Opportunity"], {"lifecycle_stage": "Lead"},
     False),
    ("lifecycle_stage", "is_set", None, {"lifecycle_stage": "Lead"}, True),
    ("lifecycle_stage", "is_not_set", None, {"lifecycle_stage": "Lead"}, False),
    ("lifecycle_stage", "is_set", None, {}, False),
    ("lifecycle_stage", "is_not_set", None, {}, True),
    # list of urls: "some visited URL ..."
    ("visited_urls", "equals", "acme.com/pricing",
     {"visited_urls": ("https://acme.com/", PRICING)}, True),
    ("visited_urls", "equals", "acme.com/pricing", {"visited_urls": ("https://acme.com/",)},
     False),
    ("visited_urls", "contains", "/docs", {"visited_urls": ("https://acme.com/docs/api",)}, True),
    ("visited_urls", "contains", "/docs", {"visited_urls": ()}, False),
    ("visited_urls", "starts_with", "https://acme.com/docs",
     {"visited_urls": ("http://acme.com/docs",)}, False),
    ("visited_urls", "starts_with", "https://acme.com/docs",
     {"visited_urls": ("https://x.io/", "https://acme.com/docs/")}, True),
    ("visited_urls", "url_matches", "*/docs/*",
     {"visited_urls": ("https://acme.com/docs/api",)}, True),
    ("visited_urls", "url_matches", "*/docs/*", {"visited_urls": ("https://acme.com/doc",)},
     False),
    ("visited_urls", "is_set", None, {"visited_urls": ("https://acme.com/",)}, True),
    ("visited_urls", "is_set", None, {}, False),
    ("visited_urls", "is_not_set", None, {}, True),
    ("visited_urls", "is_not_set", None, {"visited_urls": ("https://acme.com/",)}, False),
    # experience id
    ("experience_id", "equals", 3, {"experience_id": 3}, True),
    ("experience_id", "equals", 3, {"experience_id": 4}, False),
    ("experience_id", "not_equals", 3, {}, True),
    ("experience_id", "not_equals", 3, {"experience_id": 3}, False),
    ("experience_id", "in_list", [1, 2], {"experience_id": 2}, True),
    ("experience_id", "in_list", [1, 2], {}, False),
    ("experience_id", "is_set", None, {"experience_id": 1}, True),
    ("experience_id", "is_not_set", None, {}, True),
    ("experience_id", "is_set", None, {}, False),
    ("experience_id", "is_not_set", None, {"experience_id": 1}, False),
    # experiences received
    ("experiences_received", "contains", 3, {"experiences_received": frozenset({3, 4})}, True),
    ("experiences_received", "contains", 3, {"experiences_received": frozenset({4})}, False),
    ("experiences_received", "in_list", [1, 2], {"experiences_received": frozenset({2, 9})},
     True),
    ("experiences_received", "in_list", [1, 2], {"experiences_received": frozenset({5})}, False),
    ("experiences_received", "is_set", None, {}, False),
    ("experiences_received", "is_not_set", None, {}, True),
    ("experiences_received", "is_set", None, {"experiences_received": frozenset({1})}, True),
    ("experiences_received", "is_not_set", None, {"experiences_received": frozenset({1})},
     False),
    # what the visitor answered in a chat flow
    ("answered_company_size", "in_list", ["201-1000", "1001+"],
     {"answered_company_size": "201-1000"}, True),
    ("answered_company_size", "in_list", ["201-1000", "1001+"],
     {"answered_company_size": "51-200"}, False),
    ("answered_company_size", "in_list", ["201-1000"], {}, False),
    ("answered_company_size", "is_not_set", None, {}, True),
    ("answered_industry", "contains", "soft", {"answered_industry": "Software"}, True),
    ("answered_industry", "contains", "soft", {"industry": "Software"}, False),
    ("chat_answer", "equals", "talk to sales", {"chat_answers": {"7:2": "Talk to sales"}}, True),
    ("chat_answer", "equals", "talk to sales", {"chat_answers": {"7:3": "Talk to sales"}}, False),
    ("chat_answer", "is_set", None, {"chat_answers": {"7:2": "Just browsing"}}, True),
    ("chat_answer", "is_set", None, {}, False),
    ("chat_answer", "not_equals", "Talk to sales", {}, True),
    ("chat_answer", "not_equals", "Talk to sales", {"chat_answers": {"7:2": "Talk to sales"}},
     False),
    ("chat_answer", "contains", "sales", {"chat_answers": {"7:2": "Talk to sales"}}, True),
    ("chat_answer", "starts_with", "talk", {"chat_answers": {"7:2": "Just browsing"}}, False),
    ("chat_answer", "ends_with", "SALES", {"chat_answers": {"7:2": "Talk to sales"}}, True),
    ("chat_answer", "in_list", ["Just browsing", "talk to sales"],
     {"chat_answers": {"7:2": "Talk to sales"}}, True),
    ("chat_answer", "is_not_set", None, {"chat_answers": {"7:2": "Talk to sales"}}, False),
    # membership (routing rules): the visitor's segments and stream now
    ("segment_ids", "equals", 3, {"segment_ids": frozenset({1, 3})}, True),
    ("segment_ids", "equals", 3, {"segment_ids": frozenset({1})}, False),
    ("segment_ids", "equals", 3, {}, False),
    ("segment_ids", "not_equals", 3, {"segment_ids": frozenset({1})}, True),
    ("segment_ids", "not_equals", 3, {"segment_ids": frozenset({3})}, False),
    ("stream_id", "equals", 2, {"stream_id": 2}, True),
    ("stream_id", "equals", 2, {"stream_id": 5}, False),
    ("stream_id", "not_equals", 2, {}, True),
    ("stream_id", "not_equals", 2, {"stream_id": 2}, False),
]


@pytest.mark.parametrize(("field", "operator", "value", "facts", "expected"), CASES)
def test_condition(field, operator, value, facts, expected):
    condition = {"field": field, "operator": operator, "value": value}
    if FIELDS[field].per_question:
        condition["question"] = "7:2"
    criteria = Criteria.from_dict({"match": "all", "conditions": [condition]}, for_routing=True)
    assert compile(criteria)(VisitorFacts(**facts)) is expected


def test_every_operator_of_every_field_type_is_in_the_table():
    covered = {(FIELDS[field].type, operator) for field, operator, *_ in CASES}
    wanted = {(kind, op.value) for kind, ops in TYPE_OPERATORS.items() for op in ops}
    assert wanted <= covered


def test_fields_with_operators_of_their_own_are_in_the_table():
    special = {key for key, field in FIELDS.items() if field.only or field.per_question}
    covered = {(field, operator) for field, operator, *_ in CASES}
    assert {(key, op.value) for key in special for op in FIELDS[key].operators} <= covered


def test_every_operator_of_every_field_type_has_a_true_and_a_false_case():
    outcomes: dict[tuple, set[bool]] = {}
    for field, operator, _value, _facts, expected in CASES:
        outcomes.setdefault((FIELDS[field].type, operator), set()).add(expected)
    assert {key for key, seen in outcomes.items() if seen != {True, False}} == set()
