"""validate() names the bad field, operator or value; the form helpers; describe()."""

import pytest

from liveapp.blueprints.forms.criteria_form import value_from_form
from liveapp.domain.criteria import (
    Criteria,
    InvalidCriteria,
    compile,
    describe,
    operators_for,
    validate,
    value_kind,
)
from liveapp.domain.facts import VisitorFacts
from liveapp.domain.fields import FIELDS, NO_VALUE, Op, field_groups


def one(field, operator, value=None):
    return {"match": "all", "conditions": [{"field": field, "operator": operator, "value": value}]}


@pytest.mark.parametrize(("criteria", "error"), [
    (one("lead_score", "greater_than", "a lot"), "condition 1: Lead score needs a number"),
    (one("lead_score", "greater_than", True), "condition 1: Lead score needs a number"),
    (one("lead_score", "greater_than", float("nan")), "condition 1: Lead score needs a number"),
    (one("email_domain", "greater_than", 3),
     "condition 1: 'greater_than' is not an operator for Email domain"),
    (one("page_count", "is_set"), "condition 1: 'is_set' is not an operator for Pages viewed"),
    (one("nope", "equals", "x"), "condition 1: unknown field 'nope'"),
    (one("", "equals", "x"), "condition 1: choose a field"),
    (one("email", "", "x"), "condition 1: choose an operator for Email"),
    (one("email", "bigger", "x"), "condition 1: unknown operator 'bigger'"),
    (one("x" * 60, "equals", "x"), f"condition 1: unknown field '{'x' * 40}…'"),
    (one("email", "equals", "  "), "condition 1: Email needs a value"),
    (one("email", "equals", 5), "condition 1: Email needs a value"),
    (one("email", "equals", "x" * 501), "condition 1: Email: at most 500 characters"),
    (one("country", "in_list", "US"), "condition 1: Country needs a list of values"),
    (one("country", "in_list", []), "condition 1: Country needs a list of values"),
    (one("country", "in_list", ["US", ""]), "condition 1: Country needs a value"),
    (one("is_target_account", "equals", "yes"), "condition 1: Target account needs yes or no"),
    (one("lifecycle_stage", "equals", "Prospect"),
     "condition 1: Lifecycle stage must be one of: Subscriber, Lead, MQL, SQL, Opportunity, "
     "Customer, Evangelist, Other"),
    (one("experience_id", "equals", 0), "condition 1: Current experience needs an experience"),
    (one("answered_company_size", "in_list", ["201-1000", "lots"]),
     "condition 1: Answered company size must be one of: 1-10, 11-50, 51-200, 201-1000, 1001+"),
    (one("chat_answer", "equals", "Talk to sales"), "condition 1: Chat answer: choose a question"),
    ({"match": "all", "conditions": [{"field": "chat_answer", "question": "3", "operator":
                                      "equals", "value": "x"}]},
     "condition 1: Chat answer: choose a question"),
    ({"match": "all", "conditions": [{"field": "chat_answer", "question": ["1:2"], "operator":
                                      "is_set"}]},
     "condition 1: Chat answer: choose a question"),
    (one("segment_ids", "equals", 3),
     "condition 1: In segment can be used in routing rules only, not in segments"),
    (one("stream_id", "not_equals", 3),
     "condition 1: In stream can be used in routing rules only, not in segments"),
    (one("current_url", "equals", "/"), "condition 1: Current URL needs a URL"),
    (one("current_url", "url_matches", "#top"), "condition 1: Current URL needs a URL"),
    ({"match": "some", "conditions": one("email", "is_set")["conditions"]},
     "match must be 'all' or 'any'"),
    ({"match": "all", "conditions": []}, "add at least one condition"),
    ({"match": "all"}, "add at least one condition"),
    ({"match": "all", "conditions": "email"}, "conditions must be a list"),
    ({"match": "all", "conditions": [3]},
     "condition 1: must be an object with field, operator and value"),
    ("everyone", "criteria must be an object with match and conditions"),
])
def test_validate_names_the_problem(criteria, error):
    assert validate(criteria) == [error]
    with pytest.raises(InvalidCriteria) as raised:
        Criteria.from_dict(criteria)
    assert raised.value.errors == [error]


@pytest.mark.parametrize(("criteria", "error"), [
    (one("segment_ids", "equals", "Target Accounts"), "condition 1: In segment needs a segment"),
    (one("segment_ids", "equals", True), "condition 1: In segment needs a segment"),
    (one("stream_id", "equals", -2), "condition 1: In stream needs a stream"),
    (one("segment_ids", "in_list", [1, 2]),
     "condition 1: 'in_list' is not an operator for In segment"),
    (one("stream_id", "is_set"), "condition 1: 'is_set' is not an operator for In stream"),
])
def test_routing_rules_may_test_membership_with_is_and_is_not_only(criteria, error):
    assert validate(criteria, for_routing=True) == [error]


def test_routing_rules_accept_membership_that_segments_refuse():
    criteria = {"match": "all", "conditions": [
        {"field": "segment_ids", "operator": "equals", "value": 3},
        {"field": "stream_id", "operator": "not_equals", "value": 4},
        {"field": "email", "operator": "is_set"},
    ]}
    assert validate(criteria, for_routing=True) == []
    assert [error.split(":")[0] for error in validate(criteria)] == ["condition 1", "condition 2"]
    parsed = Criteria.from_dict(criteria, for_routing=True)
    test = compile(parsed)
    assert test(VisitorFacts(email="a@b.co").with_membership({3, 9}, 2)) is True
    assert test(VisitorFacts(email="a@b.co").with_membership({3}, 4)) is False
    assert test(VisitorFacts(email="a@b.co").with_membership({9}, None)) is False
    # compile() trusts criteria validated when they were saved
    assert compile(parsed.to_dict())(VisitorFacts(email="a@b.co").with_membership({3}, None))


def test_a_chat_answer_condition_keeps_its_question():
    criteria = Criteria.from_dict({"match": "all", "conditions": [
        {"field": "chat_answer", "question": "7:2", "operator": "equals",
         "value": " talk to SALES "},
        {"field": "email", "operator": "is_set", "question": "ignored"},
    ]})
    assert criteria.conditions[0].question == "7:2"
    assert criteria.conditions[1].question is None
    assert criteria.to_dict()["conditions"] == [
        {"field": "chat_answer", "operator": "equals", "value": "talk to SALES",
         "question": "7:2"},
        {"field": "email", "operator": "is_set", "value": None},
    ]
    test = compile(criteria)
    assert test(VisitorFacts(email="a@b.co", chat_answers={"7:2": "Talk to sales"})) is True
    assert test(VisitorFacts(email="a@b.co", chat_answers={"7:3": "Talk to sales"})) is False


def test_validate_reports_every_condition_by_number():
    criteria = {"match": "any", "conditions": [
        {"field": "email", "operator": "is_set"},
        {"field": "email_domain", "operator": "greater_than", "value": 3},
        {"field": "lead_score", "operator": "less_than", "value": "x"},
    ]}
    assert validate(criteria) == [
        "condition 2: 'greater_than' is not an operator for Email domain",
        "condition 3: Lead score needs a number",
    ]


def test_too_many_conditions():
    conditions = [{"field": "email", "operator": "is_set"}] * 51
    assert validate({"match": "all", "conditions": conditions}) == ["at most 50 conditions"]


def test_empty_criteria_allowed_on_request_all_matches_everyone_any_nobody():
    everyone = Criteria.from_dict({"match": "all", "conditions": []}, allow_empty=True)
    nobody = Criteria.from_dict({"match": "any", "conditions": []}, allow_empty=True)
    assert compile(everyone)(VisitorFacts()) is True
    assert compile(nobody)(VisitorFacts()) is False
    assert describe(everyone) == "Everyone"
    assert describe(nobody) == "Nobody"


def test_values_are_normalised_once():
    criteria = Criteria.from_dict({"match": "any", "conditions": [
        {"field": "lifecycle_stage", "operator": "in_list", "value": ["mql", "CUSTOMER", "MQL"]},
        {"field": "email", "operator": "is_set", "value": "stale"},
        {"field": "company_name", "operator": "equals", "value": "  Acme "},
    ]})
    assert [c.value for c in criteria.conditions] == [("MQL", "Customer"), None, "Acme"]
    assert Criteria.from_dict(criteria.to_dict()) == criteria


def test_describe_reads_as_a_sentence():
    criteria = Criteria.from_dict({"match": "all", "conditions": [
        {"field": "email_domain", "operator": "ends_with", "value": "acme.com"},
        {"field": "page_count", "operator": "greater_than", "value": 3},
    ]})
    assert describe(criteria) == "Email domain ends with acme.com and Pages viewed > 3"


def test_describe_lists_flags_presence_and_experiences():
    criteria = Criteria.from_dict({"match": "any", "conditions": [
        {"field": "country", "operator": "in_list", "value": ["US", "CA"]},
        {"field": "is_target_account", "operator": "equals", "value": True},
        {"field": "email", "operator": "is_set"},
        {"field": "experience_id", "operator": "equals", "value": 7},
        {"field": "experiences_received", "operator": "contains", "value": 8},
        {"field": "lead_score", "operator": "less_than", "value": 2.0},
    ]})
    assert describe(criteria, {"experience": {7: "Pricing Page"}}) == (
        "Country is one of US, CA or Target account is yes or Email is known"
        " or Current experience is Pricing Page or Experiences received contains #8"
        " or Lead score < 2"
    )


def test_describe_names_segments_streams_and_questions():
    criteria = Criteria.from_dict({"match": "all", "conditions": [
        {"field": "segment_ids", "operator": "equals", "value": 3},
        {"field": "stream_id", "operator": "not_equals", "value": 4},
        {"field": "answered_company_size", "operator": "in_list", "value": ["201-1000", "1001+"]},
        {"field": "chat_answer", "question": "7:2", "operator": "equals", "value": "Talk to sales"},
        {"field": "chat_answer", "question": "7:9", "operator": "is_set"},
    ]}, for_routing=True)
    names = {"segment": {3: "Target Accounts"}, "stream": {4: "High Intent"},
             "question": {"7:2": "Pricing Page: What would help most?"}}
    assert describe(criteria, names) == (
        "In segment is Target Accounts and In stream is not High Intent"
        " and Answered company size is one of 201-1000, 1001+"
        " and Chat answer to “Pricing Page: What would help most?” is Talk to sales"
        " and Chat answer to “7:9” is known"
    )


def test_operators_for_follows_the_field_type():
    assert [op for op, _ in operators_for("page_count")] == [
        "equals", "not_equals", "greater_than", "less_than"]
    assert [op for op, _ in operators_for("employees")][-2:] == ["is_set", "is_not_set"]
    assert ("url_matches", "matches") in operators_for("current_url")
    assert [op for op, _ in operators_for("is_contact")] == ["equals", "is_set", "is_not_set"]
    assert operators_for("nope") == []


def test_every_field_has_a_group_and_operators():
    grouped = [field.key for _, fields in field_groups() for field in fields]
    assert sorted(grouped) == sorted(k for k, field in FIELDS.items() if not field.for_routing)
    assert [group for group, _ in field_groups()] == [
        "Activity", "Identity", "Company", "ABM", "Marketing", "CRM", "Experience", "Chat"]
    routing = [field.key for _, fields in field_groups(for_routing=True) for field in fields]
    assert sorted(routing) == sorted(FIELDS)
    assert [group for group, _ in field_groups(for_routing=True)][-1] == "Membership"
    assert not {"segment_ids", "stream_id"} & set(grouped)


@pytest.mark.parametrize(("field", "operator", "kind"), [
    ("email", "equals", "text"),
    ("email", "in_list", "list"),
    ("email", "is_set", "none"),
    ("page_count", "greater_than", "number"),
    ("is_lead", "equals", "bool"),
    ("lifecycle_stage", "equals", "choice"),
    ("lifecycle_stage", "in_list", "choices"),
    ("experience_id", "equals", "id"),
    ("experience_id", "in_list", "ids"),
    ("current_url", "url_matches", "text"),
    ("nope", "equals", "none"),
])
def test_value_kind(field, operator, kind):
    assert value_kind(field, operator) == kind


@pytest.mark.parametrize(("field", "operator", "raw", "value"), [
    ("page_count", "greater_than", " 3 ", 3),
    ("lead_score", "greater_than", "2.5", 2.5),
    ("lead_score", "greater_than", "lots", "lots"),
    ("is_lead", "equals", "yes", True),
    ("is_lead", "equals", "false", False),
    ("is_lead", "equals", "maybe", "maybe"),
    ("country", "in_list", "US, CA\nFR,,", ["US", "CA", "FR"]),
    ("country", "in_list", ["US", " "], ["US"]),
    ("experience_id", "in_list", "3,4", [3, 4]),
    ("experience_id", "equals", "x", "x"),
    ("email", "is_set", "whatever", None),
    ("email", "contains", ["acme"], "acme"),
])
def test_value_from_form(field, operator, raw, value):
    assert value_from_form(field, operator, raw) == value


def test_every_allowed_operator_accepts_a_form_value_of_its_kind():
    samples = {"text": "acme", "number": "3", "bool": "yes", "choice": "Lead",
               "choices": "Lead,MQL", "list": "a,b", "id": "1", "ids": "1,2", "none": ""}
    for field in FIELDS.values():
        for op in field.operators:
            raw = samples[value_kind(field.key, op)]
            if op in (Op.EQUALS, Op.URL_MATCHES) and field.type.value.startswith("url"):
                raw = "acme.com/pricing"
            if field.choices and op is not Op.IS_SET and op is not Op.IS_NOT_SET:
                raw = ",".join(field.choices[:2] if op is Op.IN_LIST else field.choices[:1])
            value = value_from_form(field.key, op, raw)
            criteria = one(field.key, op.value, value)
            if field.per_question:
                criteria["conditions"][0]["question"] = "3:1"
            assert validate(criteria, for_routing=True) == [], (field.key, op)
            assert (value is None) == (op in NO_VALUE)
