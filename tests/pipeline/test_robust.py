"""The pipeline's robustness (issue 13): shards by visitor owned through leases, poison
events moved to the dead-letter stream, and the hot state put back for a page view whose
first delivery died between its commit and its hot-state write."""

from __future__ import annotations

import json
import logging
import time

from sqlalchemy import select

from liveapp.extensions import db, redis
from liveapp.models import PageView, VisitSession
from liveapp.services.tracking import hot_state, pipeline, processors
from tests.visitor_ids import VisitorId

PAGES = [f"https://www.example.com/p{i}" for i in range(3)]


def test_a_visitors_events_go_to_one_shard_chosen_by_a_stable_hash(stream_mode, api, app):
    visitors = [VisitorId() for _ in range(40)]
    for visitor_id in visitors:
        for url in PAGES[:2]:
            assert api.send(visitor_id=visitor_id, url=url).status_code == 202
    with app.app_context():
        assert len(pipeline.stream_keys()) == app.config["PIPELINE_SHARDS"] == 8
        seen: dict[str, set[str]] = {}
        for key in pipeline.stream_keys():
            for _id, fields in redis.client.xrange(key):
                seen.setdefault(fields[b"v"].decode(), set()).add(key)
        assert seen == {v: {pipeline.stream_key(pipeline.shard_of(v))} for v in visitors}
        assert len(set().union(*seen.values())) > 4  # spread over the shards
    # crc32, not Python's salted hash(): the same in every process.
    assert pipeline.shard_of("a-visitor", 8) == 7 and pipeline.shard_of("b-visitor", 8) == 2


def test_processors_split_the_shards_fairly_and_take_over_a_dead_ones(app_ctx):
    a, b, c = (processors.Processor(name, lease=0.6) for name in ("a", "b", "c"))
    try:
        assert a.balance() == list(range(8))  # alone: every shard
        assert b.balance() == []  # none free while a holds them
        assert len(a.balance()) == 4  # two live processors: a gives half back
        assert len(b.balance()) == 4
        c.balance()
        a.balance(), b.balance(), c.balance()  # a and b give one back each, c takes them
        assert sorted(map(len, (a.owned, b.owned, c.owned))) == [2, 3, 3]
        holders = processors.lease_holders()
        assert all(holders.values()) and len(set(holders.values())) == 3
        # c dies (stops renewing): after the lease its shards are free and taken, and
        # the others take them over with every pending entry (min idle 0).
        c_shards = set(c.owned)
        time.sleep(0.7)
        a.balance(), b.balance()
        assert sorted(a.owned + b.owned) == list(range(8))
        assert c_shards <= a.dirty | b.dirty
        b.release()  # a clean stop gives everything back at once
        assert a.balance() == list(range(8))
    finally:
        for processor in (a, b, c):
            processor.release()
    assert set(processors.lease_holders().values()) == {None}


def _poison(app, site_id: int, visitor_id: str) -> str:
    """An entry the processor cannot record (its data has no time): appended between the
    visitor's own events, in its shard."""
    with app.app_context():
        fields = {"id": "poison-1", "v": visitor_id, "type": "page_view", "before": "",
                  "state": "active", "url": "", "data": json.dumps({"site_id": site_id})}
        redis.client.xadd(pipeline.stream_key(pipeline.shard_of(visitor_id)), fields)
        return pipeline.stream_key(pipeline.shard_of(visitor_id))


def test_a_poison_event_fails_alone_and_ends_in_the_dead_letter_stream(
        stream_mode, api, site, count_rows, stream_length, app, caplog, monkeypatch):
    # Alembic's fileConfig (the suite's migrations) disables loggers imported before it.
    monkeypatch.setattr(pipeline.log, "disabled", False)
    caplog.set_level(logging.WARNING, logger=pipeline.log.name)
    visitor_id = VisitorId()
    others = [VisitorId() for _ in range(3)]
    api.send(visitor_id=visitor_id, url=PAGES[0])
    key = _poison(app, site.id, visitor_id)
    api.send(visitor_id=visitor_id, url=PAGES[1])
    for other in others:
        api.send(visitor_id=other, url=PAGES[0])
    with app.app_context():
        # One batch of everything: it fails, its events are done one by one.
        assert pipeline.drain(batch=50, min_idle=0) == 5
        assert count_rows()["page_views"] == 5
        assert redis.client.xpending(key, pipeline.GROUP)["pending"] == 1
        for delivery in range(2, 6):
            assert redis.client.xlen(pipeline.dead_key()) == 0, delivery
            pipeline.drain(min_idle=0)  # delivered again, fails again
        # The fifth delivery failed: moved, acknowledged, logged at ERROR.
        assert redis.client.xpending(key, pipeline.GROUP)["pending"] == 0
        dead = redis.client.xrange(pipeline.dead_key())
        assert len(dead) == 1
        fields = {k.decode(): v.decode() for k, v in dead[0][1].items()}
        assert fields["id"] == "poison-1" and fields["v"] == visitor_id
        assert json.loads(fields["data"]) == {"site_id": site.id}
        assert fields["stream"] == key and fields["deliveries"] == "5"
        assert "KeyError: 'at'" in fields["error"]
        assert pipeline.drain(min_idle=0) == 0
        views = db.session.scalars(select(PageView.url).where(
            PageView.visitor_id == visitor_id).order_by(PageView.id)).all()
        assert views == PAGES[:2]
    assert stream_length() == 0
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "poison-1" in errors[0].getMessage()


def test_a_processor_retries_a_failed_event_and_dead_letters_it(
        stream_mode, api, site, count_rows, app, monkeypatch):
    monkeypatch.setitem(app.config, "PIPELINE_MAX_DELIVERIES", 2)
    visitor_id = VisitorId()
    api.send(visitor_id=visitor_id, url=PAGES[0])
    _poison(app, site.id, visitor_id)
    api.send(visitor_id=visitor_id, url=PAGES[1])
    with app.app_context():
        pipeline.ensure_groups()
        processor = processors.Processor("solo", block_ms=10, lease=5)
        monkeypatch.setattr(pipeline.time, "sleep", lambda _s: None)  # no pause between tries
        try:
            assert processor.step() == 2  # the batch failed; both good events done alone
            assert processor.dirty == {pipeline.shard_of(visitor_id)}
            assert processor.step() == 1  # claimed again: second delivery, dead letter
            assert not processor.dirty
            assert redis.client.xlen(pipeline.dead_key()) == 1
        finally:
            processor.release()
    assert count_rows()["page_views"] == 2


def test_a_redelivered_page_view_puts_a_lost_hot_state_write_back(
        stream_mode, api, published, app):
    visitor_id = VisitorId()
    api.send(visitor_id=visitor_id, url=PAGES[0])
    with app.app_context():
        pipeline.drain()
        before = redis.client.hgetall(hot_state.state_key(visitor_id))  # first page recorded
    for url in PAGES[1:]:
        api.send(visitor_id=visitor_id, url=url)
    with app.app_context():
        pipeline.ensure_groups()
        entries = pipeline.read("consumer-a", 50)
        pipeline.process_batch(entries)
        recorded = hot_state.load(visitor_id)
        assert recorded.pages == 3 and recorded.url == PAGES[2]
        # The delivery "died" after its commit: its hot-state write never happened.
        record_fields = {k: v for k, v in before.items()
                         if k.decode() in hot_state.RECORD_FIELDS}
        redis.client.hset(hot_state.state_key(visitor_id), mapping=record_fields)
        assert hot_state.load(visitor_id).pages == 1
        published.clear()
        # Redelivered (claimed): skipped as recorded, state put back.
        pipeline.process_batch(pipeline.redelivered(entries))
        state = hot_state.load(visitor_id)
        assert (state.session_id, state.page_view_id, state.page_view_at, state.url,
                state.title, state.pages) == (
            recorded.session_id, recorded.page_view_id, recorded.page_view_at,
            recorded.url, recorded.title, recorded.pages)
        assert state.presence == recorded.presence  # presence fields left as they were
        # Its dispatch never happened either: done now, once per page view.
        assert [(c.kind, c.data.get("url")) for c in published
                if c.kind == "page_view"] == [("page_view", u) for u in PAGES[1:]]
        assert db.session.scalars(select(VisitSession)).one().page_count == 3
        assert len(db.session.scalars(select(PageView)).all()) == 3


def test_a_redelivered_page_view_leaves_a_later_hot_state_alone(stream_mode, api, app):
    visitor_id = VisitorId()
    api.send(visitor_id=visitor_id, url=PAGES[0])
    with app.app_context():
        pipeline.ensure_groups()
        first = pipeline.read("consumer-a", 50)
        pipeline.process_batch(first)
    api.send(visitor_id=visitor_id, url=PAGES[1])
    with app.app_context():
        pipeline.drain()
        later = hot_state.load(visitor_id)
        pipeline.process_batch(pipeline.redelivered(first))  # delivered again, late
        assert hot_state.load(visitor_id) == later and later.url == PAGES[1] and later.pages == 2
