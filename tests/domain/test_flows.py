"""Experience flows: step validation and ordering rules, button targets, and the engine
that walks a flow from a visitor's answers."""

import pytest

from liveapp.domain.flows import (
    Button,
    InvalidExperience,
    Progress,
    Step,
    parse_flow,
    progress,
    validate_flow,
)


def buttons(*labels, text=""):
    """A buttons step whose buttons all go on to the next step."""
    return {"type": "buttons", "text": text,
            "buttons": [{"label": label, "target": "next"} for label in labels]}


def test_a_full_flow_parses():
    flow = parse_flow([
        {"type": "bot_message", "text": " Hi! "},
        {"type": "buttons", "text": "Looking for?",
         "buttons": [{"label": "Pricing", "target": 4}, {"label": " Demo "}]},
        {"type": "question", "question": "email"},
        {"type": "route_pounce"},
        {"type": "route_inbound", "text": "Connecting you"},
        {"type": "meeting_booker"},
    ])
    assert [step.type for step in flow] == [
        "bot_message", "buttons", "question", "route_pounce", "route_inbound", "meeting_booker"]
    assert flow[0].text == "Hi!"
    assert flow[1].buttons == (Button("Pricing", 4), Button("Demo", "next"))
    assert flow[1].labels == ("Pricing", "Demo") and flow[1].target_of("Demo") == "next"
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
    ([{"type": "buttons"}], ["step 1: Buttons: needs 1 to 6 buttons"]),
    ([{"type": "buttons", "buttons": []}], ["step 1: Buttons: needs 1 to 6 buttons"]),
    ([buttons(*"abcdefg")], ["step 1: Buttons: needs 1 to 6 buttons"]),
    ([buttons("Yes", " ")], ["step 1: Buttons: button 2 needs a label"]),
    ([buttons("x" * 61)], ["step 1: Buttons: button 1: at most 60 characters"]),
    ([buttons("Yes", "yes")], ["step 1: Buttons: button labels must differ"]),
    ([{"type": "buttons", "buttons": ["Yes"]}],
     ["step 1: Buttons: button 1 must be an object with a label and a target"]),
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


JUST_BROWSING = [
    {"type": "bot_message", "text": "Comparing plans?"},
    {"type": "buttons", "text": "What would help most?",
     "buttons": [{"label": "Talk to sales", "target": "next"},
                 {"label": "Call me now", "target": 3},
                 {"label": "Just browsing", "target": "end"}]},
    {"type": "question", "question": "email"},
    {"type": "route_inbound"},
    {"type": "meeting_booker"},
]


def target(value, *, at=1, flow_length=4, booker=False):
    """A flow whose step `at` (0-based) has one button going to `value`."""
    steps = [{"type": "bot_message", "text": "Hi"} for _ in range(flow_length)]
    steps[at] = {"type": "buttons", "buttons": [{"label": "Go", "target": value}]}
    if booker:
        steps[-1] = {"type": "meeting_booker"}
    return steps


@pytest.mark.parametrize(("steps", "errors"), [
    (target(0), ["step 2: Buttons: “Go” can only go to a later step, not step 1"]),
    (target(1), ["step 2: Buttons: “Go” can only go to a later step, not step 2"]),
    (target(4), ["step 2: Buttons: “Go” goes to a step that does not exist"]),
    (target(-1), ["step 2: Buttons: “Go” goes to a step that does not exist"]),
    (target("step-7"), ["step 2: Buttons: “Go” goes to a step that does not exist"]),
    (target(True), ["step 2: Buttons: “Go” goes to a step that does not exist"]),
    (target(2.0), ["step 2: Buttons: “Go” goes to a step that does not exist"]),
    (target(None), ["step 2: Buttons: “Go” goes to a step that does not exist"]),
    (target(3, booker=True), ["step 2: Buttons: “Go” cannot go to the meeting booker: it "
                              "only follows Route for Inbound Chat"]),
])
def test_a_button_goes_only_forward_to_a_step_that_exists(steps, errors):
    assert validate_flow(steps) == errors


@pytest.mark.parametrize("value", ["next", "end", 2, 3])
def test_a_button_may_go_on_skip_ahead_or_end(value):
    [_, step, *_] = parse_flow(target(value))
    assert step.buttons == (Button("Go", value),)
    assert parse_flow([s.to_dict() for s in parse_flow(target(value))])[1] == step


def test_a_button_without_a_target_goes_on():
    [step] = parse_flow([{"type": "buttons", "buttons": [{"label": "Ok"}]}])
    assert step.to_dict()["buttons"] == [{"label": "Ok", "target": "next"}]


def test_the_walk_stops_at_the_first_unanswered_step():
    flow = parse_flow(JUST_BROWSING)
    assert progress(flow, {}) == Progress((0, 1), 1, False)
    assert progress(flow, {2: "x@y.example"}) == Progress((0, 1), 1, False)  # not reached


def test_talking_to_sales_reaches_route_for_inbound_chat():
    flow = parse_flow(JUST_BROWSING)
    assert progress(flow, {1: "Talk to sales"}) == Progress((0, 1, 2), 2, False)
    reached = progress(flow, {1: "Talk to sales", 2: "x@y.example"})
    assert reached == Progress((0, 1, 2, 3, 4), None, True)
    assert reached.to_dict() == {"path": [0, 1, 2, 3, 4], "asking": None, "can_request": True}


def test_just_browsing_ends_the_flow():
    flow = parse_flow(JUST_BROWSING)
    ended = progress(flow, {1: "Just browsing", 2: "x@y.example"})
    assert ended == Progress((0, 1), None, False)
    assert ended.to_dict() == {"path": [0, 1], "asking": None, "can_request": False}


def test_a_button_skips_ahead():
    assert progress(parse_flow(JUST_BROWSING), {1: "Call me now"}) == Progress(
        (0, 1, 3, 4), None, True)


def test_an_answer_the_step_no_longer_offers_is_asked_again():
    assert progress(parse_flow(JUST_BROWSING), {1: "Book a demo"}).asking == 1


def test_a_flow_without_questions_runs_to_its_end():
    flow = parse_flow([{"type": "route_pounce"}, {"type": "route_inbound"},
                       {"type": "meeting_booker"}])
    assert progress(flow, {}) == Progress((0, 1, 2), None, True)
    assert progress((), {}) == Progress((), None, False)


def test_the_walk_ends_on_targets_validation_refuses():
    """Whatever data it is given (here: a button pointing back), the walk ends."""
    flow = (Step("bot_message", "Hi"), Step("buttons", buttons=(Button("Again", 0),)))
    assert progress(flow, {1: "Again"}) == Progress((0, 1), None, False)
