"""The event pipeline (issue 13, first step): in "stream" mode the events API only accepts
(limits, presence and the append in one Redis round trip, no SQL); the processor records
batches in one transaction, dispatches them as one unit, and acknowledges after."""

from __future__ import annotations

from redis import Redis
from sqlalchemy import select

from liveapp.extensions import db, redis
from liveapp.models import PageView, Visitor, VisitSession
from liveapp.services.bus import changes
from liveapp.services.tracking import hot_state, pipeline
from tests.visitor_ids import VisitorId

PAGES = ("https://www.example.com/", "https://www.example.com/pricing?utm_source=ads",
         "https://www.example.com/docs")


def _visit(api, visitor_id: str) -> None:
    """A short visit of every event type: three pages, an identify, heartbeats, a leave."""
    for i, url in enumerate(PAGES):
        assert api.send(visitor_id=visitor_id, url=url, title=f"Page {i}",
                        referrer="https://search.example/").status_code == 202
        if i == 0:
            assert api.send(visitor_id=visitor_id, type="heartbeat",
                            active=False).status_code == 202
    assert api.send(visitor_id=visitor_id, type="identify", email="ann@acme.example",
                    traits={"name": "Ann", "plan": "pro"}, url=PAGES[0]).status_code == 202
    assert api.send(visitor_id=visitor_id, type="heartbeat").status_code == 202
    assert api.send(visitor_id=visitor_id, type="leave", url=PAGES[-1]).status_code == 202


def _snapshot(app) -> dict:
    """The tracking rows, without ids and times (which differ from run to run), each
    visitor's in the order written (visitors in different shards are processed in any
    order between them)."""
    with app.app_context():
        visitors = [(v.id, v.site_id, v.email, v.email_source, v.name, v.traits, v.ip)
                    for v in db.session.scalars(select(Visitor).order_by(Visitor.id))]
        by_visitor = select(VisitSession).order_by(VisitSession.visitor_id, VisitSession.id)
        sessions = [(s.visitor_id, s.page_count, s.landing_url, s.referrer, s.utm_source,
                     s.ended_at is not None) for s in db.session.scalars(by_visitor)]
        views = [(p.visitor_id, p.url, p.title, p.referrer, p.utm_source,
                  p.duration_seconds is not None)
                 for p in db.session.scalars(
                     select(PageView).order_by(PageView.visitor_id, PageView.id))]
        return {"visitors": visitors, "sessions": sessions, "page_views": views}


def _wipe(app) -> None:
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                if table.name in ("page_views", "visit_sessions", "visitors"):
                    conn.execute(table.delete())
    with app.app_context():
        keys = list(redis.client.scan_iter(match=app.config["REDIS_PREFIX"] + "presence*"))
        keys += list(redis.client.scan_iter(match=app.config["REDIS_PREFIX"] + "rl*"))
        if keys:
            redis.client.delete(*keys)


def test_stream_mode_accepts_without_writing_and_drain_records(
        stream_mode, api, count_rows, stream_length, app):
    visitor_id = VisitorId()
    response = api.send(visitor_id=visitor_id, url=PAGES[0])
    assert response.status_code == 202
    assert response.get_json()["visitor_id"] == visitor_id.cookie and response.get_json()["token"]
    assert count_rows() == {"visitors": 0, "visit_sessions": 0, "page_views": 0}
    assert stream_length() == 1
    with app.app_context():
        assert hot_state.load(visitor_id).presence.state == "active"  # presence at once
        assert pipeline.drain() == 1
        state = hot_state.load(visitor_id)
        assert state.session_id is not None and state.page_view_id is not None
        assert state.url == PAGES[0] and state.pages == 1
    assert count_rows() == {"visitors": 1, "visit_sessions": 1, "page_views": 1}
    assert stream_length() == 0


def test_known_heartbeat_without_change_is_not_appended(stream_mode, api, stream_length, app):
    visitor_id = VisitorId()
    api.send(visitor_id=visitor_id)
    with app.app_context():
        pipeline.drain()
    assert api.send(visitor_id=visitor_id, type="heartbeat").status_code == 202
    assert stream_length() == 0  # applied in Redis, nothing left to record
    # A passive heartbeat long after the last activity turns the visitor idle: appended.
    with app.app_context():
        redis.client.hset(hot_state.state_key(visitor_id), "act", "1.0")
    assert api.send(visitor_id=visitor_id, type="heartbeat", active=False).status_code == 202
    assert stream_length() == 1


def test_batches_record_what_one_event_at_a_time_records(app, api, published, monkeypatch):
    visitors = [VisitorId() for _ in range(2)]
    for visitor_id in visitors:
        _visit(api, visitor_id)  # each post processed before the next (tests/conftest.py)
    single_rows = _snapshot(app)
    single_kinds = sorted([(c.visitor_id, c.kind) for c in published],
                          key=lambda change: change[0])  # stable: each visitor's in order
    assert single_rows["page_views"] and single_rows["visitors"][0][2] == "ann@acme.example"

    _wipe(app)
    published.clear()
    monkeypatch.setattr(app.extensions["test_drain"], "enabled", False)
    for visitor_id in visitors:
        _visit(api, visitor_id)
    assert published == []  # nothing published (nor dispatched) in the requests
    with app.app_context():
        pipeline.drain(batch=7)  # batches that cut through visits
    assert _snapshot(app) == single_rows
    assert sorted([(c.visitor_id, c.kind) for c in published],
                  key=lambda change: change[0]) == single_kinds


def test_a_batch_dispatches_membership_once_per_visitor(stream_mode, api, app):
    visitors = [VisitorId() for _ in range(3)]
    for visitor_id in visitors:
        for url in PAGES:
            api.send(visitor_id=visitor_id, url=url)
    calls: list[list[str]] = []

    def membership_seen(batch):
        viewed = [c.visitor_id for c in batch if c.kind == "page_view"]
        if viewed:
            calls.append(viewed)

    changes.handles("membership")(membership_seen)
    try:
        with app.app_context():
            assert pipeline.drain(batch=50) == 9
    finally:
        changes.unregister(membership_seen)
    assert len(calls) == 1  # one dispatch for the batch, every visitor's changes in it
    assert sorted(set(calls[0])) == sorted(visitors) and len(calls[0]) == 9


def test_entries_of_a_dead_consumer_are_claimed_and_processed_once(
        stream_mode, api, count_rows, stream_length, app):
    visitor_id = VisitorId()
    for url in PAGES:
        api.send(visitor_id=visitor_id, url=url)
    with app.app_context():
        pipeline.ensure_groups()
        taken = pipeline.read("consumer-a", 10)  # A dies before processing them
        assert len(taken) == 3
        assert pipeline.drain("consumer-b") == 0  # not idle long enough yet: left to A
        assert pipeline.drain("consumer-b", min_idle=0) == 3
        assert pipeline.drain("consumer-b", min_idle=0) == 0
        key = pipeline.stream_key(pipeline.shard_of(visitor_id))
        assert redis.client.xpending(key, pipeline.GROUP)["pending"] == 0
        session = db.session.scalars(select(VisitSession)).one()
        assert session.page_count == 3
    assert count_rows() == {"visitors": 1, "visit_sessions": 1, "page_views": 3}
    assert stream_length() == 0


def test_processing_the_same_entries_twice_adds_nothing(stream_mode, api, count_rows, app):
    visitor_id = VisitorId()
    for url in PAGES:
        api.send(visitor_id=visitor_id, url=url)
    api.send(visitor_id=visitor_id, type="identify", email="bo@acme.example")
    api.send(visitor_id=visitor_id, type="leave")
    with app.app_context():
        pipeline.ensure_groups()
        entries = pipeline.read("consumer-a", 50)
        assert len(entries) == 5
        pipeline.process_batch(entries)
        first = _snapshot(app)
        # Redelivered (claimed: not fresh) after a commit whose ack was lost.
        pipeline.process_batch(pipeline.redelivered(entries))
        assert _snapshot(app) == first
        assert db.session.scalars(select(VisitSession)).one().page_count == 3
    assert count_rows() == {"visitors": 1, "visit_sessions": 1, "page_views": 3}


def test_503_when_redis_refuses_the_append(stream_mode, api, count_rows, app):
    visitor_id = VisitorId()
    with app.app_context():
        key = pipeline.stream_key(pipeline.shard_of(visitor_id))
        redis.client.set(key, "not a stream")  # XADD fails: WRONGTYPE
    response = api.send(visitor_id=visitor_id)
    assert response.status_code == 503
    assert "error" in response.get_json()
    with app.app_context():
        assert hot_state.load(visitor_id) is None  # the script wrote no presence either
    assert count_rows() == {"visitors": 0, "visit_sessions": 0, "page_views": 0}


def test_503_when_redis_is_away(stream_mode, api, count_rows, app, monkeypatch):
    from liveapp.services.settings import sites

    sites.site_for_key(api.site_key)  # the site as the API looks it up (may be cached)
    away = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    monkeypatch.setitem(app.extensions, "liveapp_redis", away)
    monkeypatch.delitem(app.extensions, "liveapp_accept_script", raising=False)
    response = api.send(visitor_id=VisitorId())
    assert response.status_code == 503
    assert count_rows() == {"visitors": 0, "visit_sessions": 0, "page_views": 0}



def test_a_batch_reads_the_database_the_same_number_of_times_for_2_or_12_visitors(
        stream_mode, api, app):
    """Membership and cards load a batch's visitors in bulk: the SELECTs of a batch do not
    grow with how many visitors are in it (the record phase's writes do, one per event)."""
    from sqlalchemy import event as sa_event

    def selects_for(count: int) -> int:
        for _ in range(count):
            visitor_id = VisitorId()
            api.send(visitor_id=visitor_id, url=PAGES[0])  # known visitors: each has
        with app.app_context():                            # a visit and a page already
            pipeline.drain(batch=50)
        ids = []
        for _ in range(count):
            ids.append(VisitorId())
            api.send(visitor_id=ids[-1], url=PAGES[0])
        with app.app_context():
            pipeline.drain(batch=50)
            for visitor_id in ids:
                api.send(visitor_id=visitor_id, url=PAGES[1])
            seen: list[str] = []

            def record(conn, cursor, statement, *args):
                if statement.lstrip().upper().startswith("SELECT"):
                    seen.append(statement)

            sa_event.listen(db.engine, "before_cursor_execute", record)
            try:
                assert pipeline.drain(batch=50) == count
            finally:
                sa_event.remove(db.engine, "before_cursor_execute", record)
            return len(seen)

    assert selects_for(2) == selects_for(12)
