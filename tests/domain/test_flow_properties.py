"""Properties of the flow engine: whatever the flow and whichever buttons a visitor clicks,
the steps are visited in strictly increasing order and the flow ends."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from liveapp.domain.flows import Button, Step, parse_flow, progress, validate_flow

PLAIN = ("bot_message", "buttons", "question", "route_pounce")


@st.composite
def flows(draw) -> list[dict]:
    """Valid flows (JSON-safe): plain steps, then maybe Route for Inbound Chat and a meeting
    booker; each button goes on, ends, or skips to a later step that is not the booker."""
    types = draw(st.lists(st.sampled_from(PLAIN), min_size=0, max_size=14))
    if types.count("route_pounce") > 1:
        types = [t for t in types if t != "route_pounce"] + ["route_pounce"]
    types += draw(st.sampled_from([[], ["route_inbound"], ["route_inbound", "meeting_booker"],
                                   ["meeting_booker"]]))
    if not types:
        types = ["route_inbound"]
    steps = [_step(draw, types, index) for index in range(len(types))]
    assert validate_flow(steps) == []
    return steps


def _step(draw, types: list[str], index: int) -> dict:
    kind = types[index]
    if kind == "bot_message":
        return {"type": kind, "text": "Hi"}
    if kind == "question":
        return {"type": kind, "question": draw(st.sampled_from(["email", "industry"]))}
    if kind != "buttons":
        return {"type": kind}
    later = [i for i in range(index + 1, len(types)) if types[i] != "meeting_booker"]
    count = draw(st.integers(1, 6))
    return {"type": kind, "buttons": [
        {"label": f"Button {n}", "target": draw(st.sampled_from(["next", "end", *later]))}
        for n in range(count)]}


def _answer(draw, step: Step) -> str:
    if step.type == "buttons":
        return draw(st.sampled_from(step.labels))
    return "pat@acme.example"


@given(flows(), st.data())
def test_any_choices_visit_steps_forward_and_end(raw, data):
    flow = parse_flow(raw)
    answers: dict[int, str] = {}
    seen = progress(flow, answers)
    for _ in range(len(flow) + 1):
        path = seen.path
        assert path[0] == 0 and all(a < b for a, b in zip(path, path[1:], strict=False))
        assert seen.route_inbound == any(flow[i].type == "route_inbound" for i in path)
        if seen.asking is None:
            break
        assert seen.asking == path[-1] and flow[seen.asking].type in ("buttons", "question")
        answers[seen.asking] = _answer(data.draw, flow[seen.asking])
        moved = progress(flow, answers)
        assert moved.path[:len(path)] == path and len(moved.path) >= len(path)
        seen = moved
    else:
        raise AssertionError("the flow kept asking")
    assert seen.asking is None  # ended: by a button's "end", or past the last step


@given(flows(), st.data())
def test_an_ended_flow_asks_nothing_and_routes_nobody(raw, data):
    """A button that ends the flow: nothing after it is visited, even if answered."""
    flow = parse_flow(raw)
    enders = [(i, b.label) for i, s in enumerate(flow) for b in s.buttons if b.target == "end"]
    if not enders:
        return
    index, label = data.draw(st.sampled_from(enders))
    answers = {i: _answer(data.draw, s) for i, s in enumerate(flow)
               if s.type in ("buttons", "question")}
    answers[index] = label
    walked = progress(flow, answers)
    if index in walked.path:
        assert walked.path[-1] == index and walked.asking is None
        assert not walked.route_inbound


targets = st.one_of(st.sampled_from(["next", "end"]), st.integers(-3, 25))


@given(st.lists(st.lists(targets, min_size=1, max_size=4), min_size=1, max_size=20),
       st.data())
def test_the_walk_ends_even_on_flows_validation_would_refuse(button_targets, data):
    """Buttons pointing back, at themselves or past the end: still forward, still ends."""
    flow = tuple(Step("buttons", buttons=tuple(Button(f"b{n}", t) for n, t in enumerate(ts)))
                 for ts in button_targets)
    answers = {i: data.draw(st.sampled_from(step.labels)) for i, step in enumerate(flow)}
    path = progress(flow, answers).path
    assert all(a < b for a, b in zip(path, path[1:], strict=False))
    assert all(0 <= i < len(flow) for i in path)
