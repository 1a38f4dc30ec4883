"""Experience flows: step validation and ordering rules."""

import pytest

from liveapp.domain.flows import InvalidExperience, Step, parse_flow, validate_flow


def test_a_full_flow_parses():
    flow = parse_flow([
        {"type": "bot_message", "text": " Hi! "},
        {"type": "buttons", "text": "Looking for?", "buttons": ["Pricing", " Demo "]},
        {"type": "question", "question": "email"},
        {"type": "route_pounce"},
        {"type": "route_inbound", "text": "Connecting you"},
        {"type": "meeting_booker"},
    ])
    assert [step.type for step in flow] == [
        "bot_message", "buttons", "question", "route_pounce", "route_inbound", "meeting_booker"]
    assert flow[0].text == "Hi!"
    assert flow[1].buttons == ("Pricing", "Demo")
    assert flow[2].question == "email"
    assert [step.label for step in flow][3:5] == ["Route for Pounce", "Route for Inbound Chat"]
    assert parse_flow([step.to_dict() for step in flow]) == flow


def test_a_pounce_only_flow_is_valid():
    assert parse_flow([{"type": "route_pounce"}]) == (Step("route_pounce"),)


@pytest.mark.parametrize(("steps", "errors"), [
    ([], ["add at least one step"]),
    ("hello", ["the flow must be a list of steps"]),
    ([{"type": "bot_message"}] * 21,
     ["at most 20 steps"] + [f"step {n}: Bot message: needs a message" for n in range(1, 22)]),
    ([{"type": "bot_message", "text": " "}], ["step 1: Bot message: needs a message"]),
    ([{"type": "bot_message", "text": 3}], ["step 1: Bot message: the message must be text"]),
    ([{"type": "bot_message", "text": "x" * 1001}],
     ["step 1: Bot message: at most 1000 characters"]),
    ([{"type": "buttons"}], ["step 1: Buttons: needs 1 to 6 button labels"]),
    ([{"type": "buttons", "buttons": []}], ["step 1: Buttons: needs 1 to 6 button labels"]),
    ([{"type": "buttons", "buttons": list("abcdefg")}],
     ["step 1: Buttons: needs 1 to 6 button labels"]),
    ([{"type": "buttons", "buttons": ["Yes", " "]}], ["step 1: Buttons: button 2 needs a label"]),
    ([{"type": "buttons", "buttons": ["x" * 61]}],
     ["step 1: Buttons: button 1: at most 60 characters"]),
    ([{"type": "buttons", "buttons": ["Yes", "yes"]}],
     ["step 1: Buttons: button labels must differ"]),
    ([{"type": "question"}],
     ["step 1: Question: choose what to ask: email, company size or industry"]),
    ([{"type": "question", "question": "phone"}],
     ["step 1: Question: choose what to ask: email, company size or industry"]),
    ([{"type": "survey"}], ["step 1: unknown step type 'survey'"]),
    ([7], ["step 1: must be an object with a type"]),
    ([{"type": "route_pounce"}, {"type": "route_pounce"}],
     ["step 2: Route for Pounce: only one per flow"]),
    ([{"type": "route_inbound"}, {"type": "route_inbound"}],
     ["step 2: Route for Inbound Chat: only one per flow"]),
    ([{"type": "route_inbound"}, {"type": "bot_message", "text": "Hi"}],
     ["step 2: Bot message: only a meeting booker can follow Route for Inbound Chat"]),
    ([{"type": "meeting_booker"}, {"type": "bot_message", "text": "Hi"}],
     ["step 1: Meeting booker: must be the last step"]),
    ([{"type": "meeting_booker"}, {"type": "meeting_booker"}],
     ["step 1: Meeting booker: must be the last step",
      "step 2: Meeting booker: only one per flow"]),
])
def test_flow_errors_name_the_step(steps, errors):
    assert validate_flow(steps) == errors
    with pytest.raises(InvalidExperience) as raised:
        parse_flow(steps)
    assert raised.value.errors == errors
