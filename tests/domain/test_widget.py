"""The widget's status and the answers a flow takes (pure)."""

import pytest

from liveapp.domain.flows import parse_flow
from liveapp.domain.widget import BadAnswer, check_answer, status

STEPS = parse_flow([
    {"type": "bot_message", "text": "Hi"},
    {"type": "buttons", "text": "", "buttons": [{"label": "Talk to sales", "target": "next"},
                                               {"label": "Just browsing", "target": "end"}]},
    {"type": "question", "text": "", "question": "email"},
    {"type": "question", "text": "", "question": "company_size"},
    {"type": "question", "text": "", "question": "industry"},
    {"type": "route_inbound", "text": ""},
])
TALKING = {1: "Talk to sales"}
AT = {1: {}, 2: TALKING, 3: {**TALKING, 2: "a@b.example"},
      4: {**TALKING, 2: "a@b.example", 3: "11-50"}}  # answers that bring the flow to a step


@pytest.mark.parametrize(("args", "expected"), [
    ((True, "offer", "inbound", False, True), "chatting"),
    ((False, "offer", "inbound", False, True), "offering"),
    ((False, "offer", "pounce", False, True), "idle"),
    ((False, "queue", "inbound", False, True), "waiting"),
    ((False, "meeting_booker", "inbound", False, True), "booker"),
    ((False, "meeting_booker", "pounce", False, True), "idle"),
    ((False, "none", "inbound", False, True), "idle"),
    ((False, "offer", "inbound", True, True), "idle"),  # claimed, then closed
    ((False, "offer", "inbound", False, False), "idle"),  # the request was answered
    ((False, None, None, False, False), "idle"),
])
def test_status(args, expected):
    assert status(*args) == expected


def test_answers_are_checked_and_cleaned():
    assert check_answer(STEPS, AT[1], 1, "Just browsing") == ("button", "Just browsing")
    assert check_answer(STEPS, AT[2], 2, " Ann@Acme.Example ") == ("email", "ann@acme.example")
    assert check_answer(STEPS, AT[3], 3, "11-50") == ("company_size", "11-50")
    assert check_answer(STEPS, AT[4], 4, " Retail ") == ("industry", "Retail")


@pytest.mark.parametrize(("step", "value", "field"), [
    (None, "x", "step"), (1.0, "Talk to sales", "step"), (False, "x", "step"),
    (0, "Hi", "step"), (5, "x", "step"), (6, "x", "step"), (-1, "x", "step"),
    (1, "talk to sales", "value"), (1, None, "value"), (2, "ann@", "value"),
    (3, "12", "value"), (4, "x" * 121, "value"), (4, "", "value"),
])
def test_bad_answers_name_the_field(step, value, field):
    with pytest.raises(BadAnswer) as refused:
        check_answer(STEPS, AT.get(step, {}), step, value)
    assert str(refused.value).startswith(f"{field}: ")


def test_answers_are_remembered_as_facts():
    from liveapp.domain.facts import VisitorFacts
    from liveapp.domain.widget import answer_facts, question_key, remember_answer

    key = question_key(7, 2)
    assert key == "7:2"
    kept = remember_answer(None, key, "button", "Talk to sales")
    kept = remember_answer(kept, "7:4", "company_size", "51-200")
    kept = remember_answer(kept, "7:4", "company_size", "201-1000")  # changed their mind
    kept = remember_answer(kept, "7:5", "industry", "Software")
    assert remember_answer(kept, "7:3", "email", "pat@acme.example") == kept
    assert kept == {"questions": {"7:2": "Talk to sales", "7:4": "201-1000", "7:5": "Software"},
                    "company_size": "201-1000", "industry": "Software"}
    facts = VisitorFacts(**answer_facts(kept))
    assert (facts.answered_company_size, facts.answered_industry) == ("201-1000", "Software")
    assert facts.chat_answers["7:2"] == "Talk to sales"
    assert VisitorFacts(**answer_facts(None)) == VisitorFacts()


@pytest.mark.parametrize(("answers", "step"), [
    ({}, 2),  # the flow still asks its buttons (index 1)
    ({}, 4),
    ({1: "Just browsing"}, 2),  # "Just browsing" ended the flow: no more questions
    ({1: "Talk to sales"}, 1),  # already answered: the flow moved on
    ({**TALKING, 2: "a@b.example", 3: "11-50", 4: "Retail"}, 4),  # nothing more to ask
])
def test_only_the_step_the_flow_asks_takes_an_answer(answers, step):
    with pytest.raises(BadAnswer) as refused:
        check_answer(STEPS, answers, step, "a@b.example")
    assert str(refused.value) == "step: your chat is not at this step"
