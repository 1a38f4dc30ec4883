"""The change bus (services/bus/changes.py): one unit of work's changes reach every stage once,
in the written-down order, batched; a change a handler publishes reaches the later stages in
the same pass and the earlier ones in the next."""

from __future__ import annotations

import pytest

from liveapp.services.bus import changes


@pytest.fixture
def recorded(app_ctx):
    """(stage, [(visitor, kind)]) per handler call, with test handlers on every stage."""
    calls: list[tuple[str, list[tuple[str, str]]]] = []
    handlers = []
    for stage in changes.STAGES:
        def handler(batch, stage=stage):
            calls.append((stage, [(c.visitor_id, c.kind) for c in batch
                                  if c.visitor_id.startswith("bus-")]))
        changes.handles(stage)(handler)
        handlers.append(handler)
    yield calls
    for handler in handlers:
        changes.unregister(handler)


def mine(calls):
    return [(stage, batch) for stage, batch in calls if batch]


def test_a_unit_dispatches_at_its_end_in_stage_order_batched(recorded):
    with changes.unit():
        changes.publish("bus-a", "page_view", url="/")
        changes.publish("bus-b", "identify", email="b@x.example")
        changes.publish("bus-a", "presence", state="active")
        assert mine(recorded) == []  # nothing before the unit ends
    batch = [("bus-a", "page_view"), ("bus-b", "identify"), ("bus-a", "presence")]
    assert mine(recorded) == [(stage, batch) for stage in changes.STAGES]


def test_outside_a_unit_a_change_is_dispatched_at_once(recorded):
    changes.publish("bus-a", "bot", step=1)
    assert [stage for stage, _ in mine(recorded)] == list(changes.STAGES)


def test_a_change_published_by_a_handler_reaches_each_stage_once(recorded):
    def routing_publishes(batch):
        for change in batch:
            if change.kind == "membership":
                changes.publish(change.visitor_id, "routing", outcome="offer")

    def membership_publishes(batch):
        for change in batch:
            if change.kind == "page_view":
                changes.publish(change.visitor_id, "membership", new={})

    changes.handles("membership")(membership_publishes)
    changes.handles("routing")(routing_publishes)
    try:
        with changes.unit():
            changes.publish("bus-a", "page_view", url="/")
    finally:
        changes.unregister(membership_publishes)
        changes.unregister(routing_publishes)
    seen = {stage: [kind for stage_, batch in mine(recorded) if stage_ == stage
                    for _, kind in batch] for stage in changes.STAGES}
    # Every stage saw every change exactly once...
    for stage in changes.STAGES:
        assert sorted(seen[stage]) == ["membership", "page_view", "routing"], stage
    # ...and the later stages saw them together, in one batch, in the first pass.
    first_cards = next(batch for stage, batch in mine(recorded) if stage == "cards")
    assert [kind for _, kind in first_cards] == ["page_view", "membership", "routing"]


def test_a_failing_handler_does_not_stop_the_others(recorded):
    def broken(batch):
        raise RuntimeError("boom")

    changes.handles("membership")(broken)
    try:
        changes.publish("bus-a", "page_view", url="/")
    finally:
        changes.unregister(broken)
    assert [stage for stage, _ in mine(recorded)] == list(changes.STAGES)


def test_muted_drops_what_is_published_inside(recorded):
    with changes.muted():
        changes.publish("bus-a", "page_view", url="/")
    assert mine(recorded) == []


def test_settings_changes_travel_the_bus(recorded):
    seen = []
    changes.subscribe(seen.append, "record")
    try:
        changes.settings_changed("segments")
    finally:
        changes.unsubscribe(seen.append)
    assert [(c.visitor_id, c.kind, c.data) for c in seen] == [("", "settings",
                                                              {"what": "segments"})]
    assert changes.settings_kinds(seen) == ["segments"]


def test_unknown_kinds_and_stages_are_refused():
    with pytest.raises(ValueError):
        changes.publish("bus-a", "nonsense")
    with pytest.raises(ValueError):
        changes.handles("later")


def test_the_app_wires_its_handlers_in_the_written_down_order(app):
    names = {stage: [getattr(h, "__qualname__", "") for h in changes._handlers[stage]]
             for stage in changes.STAGES}
    assert names["membership"][0] == "on_changes"
    modules = {stage: [h.__module__ for h in changes._handlers[stage]] for stage in changes.STAGES}
    assert modules["membership"][0] == "liveapp.services.membership.live_membership"
    assert modules["cards"][0] == "liveapp.services.live.boards"
    assert modules["prompts"][0] == "liveapp.services.live.prompts"


def test_a_request_is_one_unit(recorded):
    """Changes published inside a view are dispatched after it, together; a view that
    raises still dispatches what it published (what it committed before failing)."""
    from flask import Flask

    web = Flask(__name__)
    changes.init_app(web)

    @web.get("/probe")
    def probe():
        changes.publish("bus-r", "page_view", url="/")
        changes.publish("bus-r", "presence", state="active")
        assert [b for _, b in recorded if b] == []  # not yet: at the end of the request
        return "ok"

    @web.get("/fails")
    def fails():
        changes.publish("bus-f", "identify", email="f@x.example")
        raise RuntimeError("after the commit")

    assert web.test_client().get("/probe").status_code == 200
    record_calls = [batch for stage, batch in recorded if stage == "record" and batch]
    assert record_calls == [[("bus-r", "page_view"), ("bus-r", "presence")]]
    assert web.test_client().get("/fails").status_code == 500
    assert [b for stage, b in recorded if stage == "record" and b][-1] == [
        ("bus-f", "identify")]
    assert changes.current() is None
