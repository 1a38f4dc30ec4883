"""Presence: hot state in Redis, transitions with controlled time, no database writes for
heartbeats, and the expiry job run by a real RQ worker."""

from __future__ import annotations

import os
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event

from liveapp.domain.events import parse_event
from liveapp.extensions import db, queue, redis
from liveapp.models import PageView, Visitor, VisitSession
from liveapp.services.settings import sites
from liveapp.services.tracking import hot_state, visitor_events
from tests.rq_workers import SimpleWorker

T0 = 1_900_000_000.0


@pytest.fixture
def send(app_ctx, site, drain):
    """send(kind, now, **fields): one event through the service, at a controlled time,
    then processed as `liveapp pipeline` does."""
    site_key = site.site_key
    info = sites.site_for_key(site_key)

    def send(kind: str, now: float, visitor_id: str, **fields):
        body = {"site_key": site_key, "visitor_id": visitor_id, "type": kind, **fields}
        if kind == "page_view":
            body.setdefault("url", "https://www.example.com/")
        outcome = visitor_events.accept(parse_event(body), info, "192.0.2.1", now)
        drain()
        return outcome

    return send


@pytest.fixture
def statements(app_ctx):
    """A list that collects every SQL statement the engine runs."""
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(db.engine, "before_cursor_execute", record)


def state_of(visitor_id: str) -> str:
    return hot_state.load(visitor_id).presence.state


def test_transitions_with_controlled_time(send, published):
    vid = str(uuid.uuid4())
    send("page_view", T0, vid, title="Home")
    assert state_of(vid) == "active"
    send("heartbeat", T0 + 15, vid, active=False)
    assert state_of(vid) == "active"
    send("heartbeat", T0 + 31, vid, active=False)
    assert state_of(vid) == "idle"
    send("heartbeat", T0 + 40, vid, active=True)
    assert state_of(vid) == "active"
    assert visitor_events.expire_presence(T0 + 60) == []  # heard from at T0+40: still active
    [moved] = visitor_events.expire_presence(T0 + 71)
    assert (moved.before, moved.after) == ("active", "idle")
    [moved] = visitor_events.expire_presence(T0 + 100)
    assert (moved.before, moved.after) == ("idle", "left")
    assert visitor_events.expire_presence(T0 + 200) == []  # nothing more to do
    presences = [c.data["state"] for c in published if c.kind == "presence"]
    assert presences == ["active", "idle", "active", "idle", "left"]
    session = db.session.scalars(db.select(VisitSession)).one()
    assert session.ended_at is not None
    assert db.session.scalars(db.select(PageView)).one().duration_seconds == 40.0


def test_leave_closes_the_page_and_the_next_page_continues_the_visit(send, published):
    vid = str(uuid.uuid4())
    send("page_view", T0, vid)
    send("leave", T0 + 12, vid)
    assert db.session.scalars(db.select(PageView)).one().duration_seconds == 12.0
    # The next page of the same visit (multi-page sites send leave on every unload).
    send("page_view", T0 + 12.5, vid, url="https://www.example.com/pricing")
    assert state_of(vid) == "active"
    assert visitor_events.expire_presence(T0 + 20) == []
    session = db.session.scalars(db.select(VisitSession)).one()
    assert session.page_count == 2 and session.ended_at is None
    assert [c.data["state"] for c in published if c.kind == "presence"] == ["active"]


def test_leave_without_a_next_page_is_left_after_the_grace(send, published):
    vid = str(uuid.uuid4())
    send("page_view", T0, vid)
    send("leave", T0 + 12, vid)
    assert state_of(vid) == "active"
    [moved] = visitor_events.expire_presence(T0 + 17)
    assert (moved.before, moved.after) == ("active", "left")
    session = db.session.scalars(db.select(VisitSession)).one()
    assert session.ended_at == visitor_events.to_datetime(T0 + 12)  # the leave's own time
    assert db.session.get(Visitor, vid).last_seen == visitor_events.to_datetime(T0 + 12)


def test_leave_from_an_unknown_visitor_writes_nothing(send, count_rows):
    send("leave", T0, str(uuid.uuid4()))
    assert count_rows() == {"visitors": 0, "visit_sessions": 0, "page_views": 0}


def test_heartbeats_cause_no_database_statements(send, statements, published):
    vid = str(uuid.uuid4())
    send("page_view", T0, vid)
    statements.clear()
    published.clear()
    for i in range(1, 6):
        send("heartbeat", T0 + i, vid, active=True)
    send("heartbeat", T0 + 10, vid, active=False, url="https://www.example.com/")
    assert statements == []
    assert published == []  # nothing changed, nothing published


def test_heartbeats_through_http_cause_no_database_statements(api, statements):
    vid = str(uuid.uuid4())
    assert api.send(visitor_id=vid).status_code == 202
    statements.clear()
    for _ in range(3):
        assert api.send(visitor_id=vid, type="heartbeat", url=...).status_code == 202
    assert statements == []


def test_heartbeat_from_an_unknown_visitor_creates_it(send, published):
    vid = str(uuid.uuid4())
    send("heartbeat", T0, vid, active=False)
    assert db.session.get(Visitor, vid) is not None
    assert state_of(vid) == "idle"
    assert [c.kind for c in published] == ["new_visitor", "presence"]


def test_one_events_changes_are_dispatched_together_in_order(send):
    """The changes of one event reach each stage of the bus in one batch, in the order they
    were published (the handlers work once per visitor, not once per change)."""
    from liveapp.services.bus import changes

    batches = []

    def record(batch):
        batches.append([c.kind for c in batch if c.kind != "membership"])

    changes.handles("record")(record)
    try:
        send("page_view", T0, str(uuid.uuid4()))
    finally:
        changes.unregister(record)
    assert [b for b in batches if b] == [["new_visitor", "page_view", "presence"]]


@pytest.fixture
def job_app(app, monkeypatch):
    """Jobs run in this process (SimpleWorker) against the test app."""
    import jobs

    monkeypatch.setattr(jobs, "_app", app)
    monkeypatch.setattr(jobs, "_app_pid", os.getpid())
    return app


def run_worker(name: str = "high") -> None:
    worker = SimpleWorker([queue(name)], connection=redis.client, serializer="json")
    worker.work(burst=True, max_jobs=20)


def test_expiry_job_through_a_real_worker(send, job_app):
    vid = str(uuid.uuid4())
    send("page_view", T0, vid)
    from liveapp.services.bus import changes

    seen = []
    changes.subscribe(seen.append)
    try:
        job = queue("high").enqueue("jobs.presence.expire_presence", now=T0 + 61)
        run_worker()
    finally:
        changes.unsubscribe(seen.append)
    job.refresh()
    assert job.get_status() == "finished", job.exc_info
    assert job.return_value() == 1
    assert state_of(vid) == "left"
    assert [c.data["state"] for c in seen if c.kind == "presence"] == ["left"]
    db.session.expire_all()
    assert db.session.scalars(db.select(VisitSession)).one().ended_at is not None


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(state=st.sampled_from(["active", "idle", "left"]),
       since_activity=st.floats(0, 200), since_heartbeat=st.floats(0, 200),
       active=st.booleans())
def test_the_redis_heartbeat_script_agrees_with_the_domain(app_ctx, state, since_activity,
                                                           since_heartbeat, active):
    from liveapp.domain import visitor_presence

    vid = str(uuid.uuid4())
    now = T0 + 1000
    before = visitor_presence.Presence(state, now - since_activity - since_heartbeat,
                                       now - since_heartbeat)
    hot_state.save(vid, hot_state.HotState(site_id=1, presence=before, url="https://x.example/"))
    hit = hot_state.accept_hit(vid, 1, "heartbeat", active, now, limit_keys=(
        redis.key("t", "ip"), redis.key("t", "v")), limits=(10**9, 10**9), window=60,
        stream=redis.key("t", "stream"), event_id="e", data="{}")
    expected = visitor_presence.on_event(before, "heartbeat", active, now)
    # Appended ("queued") only when the presence changed: the processor publishes that.
    outcome = "beat" if expected.state == state else "queued"
    assert (hit.outcome, hit.before, hit.after) == (outcome, state, expected.state)
    assert hot_state.load(vid).presence == expected
    score = redis.client.zscore(hot_state.activity_key(), vid)
    assert score == (expected.last_activity if expected.state == "active" else None)
    assert redis.client.zscore(hot_state.heartbeats_key(), vid) == now
