"""The event pipeline (issue 13): in "stream" mode (EVENT_PIPELINE) the events API only
accepts an event (limits, hot presence, an append to the Redis Stream `events`, one Lua
round trip; see tracking.accept); `liveapp pipeline` processes run here read the stream
through the consumer group "pipeline", in batches.

A batch is one unit of work on the change bus: its events are recorded in one database
transaction, in stream order (the same per-event code the inline path runs, tracking.apply),
committed, then the unit dispatches their changes (membership once per visitor, cards
once per visitor, ... as the bus does for any unit), and only then are the entries
acknowledged and deleted. A processor killed before that leaves them pending: another
(or the restarted one) takes them over with XAUTOCLAIM once they were idle
PIPELINE_CLAIM_IDLE seconds. Recording is idempotent per event id: a page view whose id is
already in page_views is skipped; identify (same email: no change), leave (closes what is
still open, at the event's own time) and the visitor's last_seen/ip/traits (set to the
event's values) give the same rows when applied twice.

Later optimisation (noted, not done): the batch is recorded with the per-event statements
(a SELECT of the visitor, an UPDATE of the visit, an INSERT of the page view each); bulk
statements per batch belong in `_record_batch`.
"""

from __future__ import annotations

import logging
import signal
import time
from dataclasses import dataclass

from flask import current_app
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from liveapp.domain.events import Event, InvalidEvent
from liveapp.extensions import db, redis
from liveapp.models import PageView
from liveapp.services import changes, tracking
from liveapp.services import presence as hot
from liveapp.services.presence import HotState

log = logging.getLogger(__name__)

GROUP = "pipeline"


def stream_key() -> str:
    return redis.key("events")


def ensure_group() -> None:
    """The consumer group, and the stream with it when there is none yet."""
    try:
        redis.client.xgroup_create(stream_key(), GROUP, id="0", mkstream=True)
    except ResponseError as error:
        if "BUSYGROUP" not in str(error):  # it exists already: fine
            raise


@dataclass(frozen=True)
class Entry:
    """One stream entry: an accepted event, with the presence states around it."""

    entry_id: str
    event_id: str
    visitor_id: str
    type: str
    before: str  # "" when the visitor had no hot state yet
    state: str
    url: str  # the hot state's URL when the event was accepted (for a heartbeat's change)
    data: dict


def _decode(entry_id, fields: dict) -> Entry:
    import json

    values = {k.decode(): v.decode() for k, v in fields.items()}
    return Entry(entry_id.decode() if isinstance(entry_id, bytes) else entry_id,
                 values["id"], values["v"], values["type"], values.get("before", ""),
                 values.get("state", ""), values.get("url", ""), json.loads(values["data"]))


def _entries(messages) -> list[Entry]:
    # Entries deleted while pending come back as (id, None) on Redis 6.2: nothing to do.
    return [_decode(entry_id, fields) for entry_id, fields in messages if fields]


def claim(consumer: str, count: int, min_idle: float | None = None) -> list[Entry]:
    """Take over entries pending with any consumer for at least `min_idle` seconds
    (PIPELINE_CLAIM_IDLE by default): a dead processor's batch."""
    if min_idle is None:
        min_idle = current_app.config["PIPELINE_CLAIM_IDLE"]
    answer = redis.client.xautoclaim(stream_key(), GROUP, consumer,
                                     min_idle_time=int(min_idle * 1000), start_id="0-0",
                                     count=count)
    return _entries(answer[1])


def read(consumer: str, count: int, block_ms: int | None = None,
         min_idle: float | None = None) -> list[Entry]:
    """The next batch for this consumer: stale pending entries first, else new ones
    (waiting up to `block_ms` for them; None: not at all)."""
    claimed = claim(consumer, count, min_idle)
    if claimed:
        return claimed
    answer = redis.client.xreadgroup(GROUP, consumer, {stream_key(): ">"}, count=count,
                                     block=block_ms)
    return _entries(answer[0][1]) if answer else []


def _event(entry: Entry) -> Event:
    data = entry.data
    return Event(site_key="", visitor_id=entry.visitor_id, type=entry.type,
                 url=data.get("url"), title=data.get("title"), referrer=data.get("referrer"),
                 active=bool(data.get("active", True)), email=data.get("email"),
                 traits=data.get("traits") or {})


def _hot_states(visitor_ids: list[str]) -> dict[str, HotState | None]:
    pipe = redis.client.pipeline(transaction=False)
    for visitor_id in visitor_ids:
        hot.queue_read(pipe, visitor_id)
    return {v: hot.decode(raw) for v, raw in zip(visitor_ids, pipe.execute(), strict=True)}


def _record_batch(entries: list[Entry]) -> tuple[list, dict[str, HotState]]:
    """Record the batch in the open transaction and commit: the announcements to make, in
    stream order, and each touched visitor's hot state after it."""
    page_ids = [e.event_id for e in entries if e.type == "page_view"]
    done = set(db.session.scalars(
        select(PageView.event_id).where(PageView.event_id.in_(page_ids)))) if page_ids else set()
    states = _hot_states(list(dict.fromkeys(e.visitor_id for e in entries)))
    touched: dict[str, HotState] = {}
    announcements: list = []
    for entry in entries:
        if entry.type == "heartbeat" and entry.before:
            # A known visitor's heartbeat: the request applied it; only its change of
            # presence is left to publish (the stream has no other heartbeats).
            announcements.append(("presence", entry))
            continue
        if entry.type == "page_view":
            if entry.event_id in done:
                continue  # recorded by an earlier delivery of this entry
            done.add(entry.event_id)
        if entry.type == "leave" and states.get(entry.visitor_id) is None:
            continue  # nothing known to close (its hot state expired meanwhile)
        try:
            work, new_state = tracking.apply(
                _event(entry), entry.data["site_id"], entry.data.get("ip") or "",
                states.get(entry.visitor_id), float(entry.data["at"]), entry.event_id)
        except InvalidEvent as invalid:
            # A visitor of another site not in hot state: the request could not tell.
            log.warning("pipeline: event %s skipped: %s", entry.event_id, invalid)
            continue
        states[entry.visitor_id] = touched[entry.visitor_id] = new_state
        announcements.append(("recorded", entry, work, new_state))
    db.session.commit()
    return announcements, touched


def process_batch(entries: list[Entry]) -> int:
    """Record, commit, dispatch, then acknowledge one batch; returns how many entries."""
    if not entries:
        return 0
    with changes.unit():
        try:
            announcements, touched = _record_batch(entries)
        except IntegrityError:
            # Another processor created one of these visitors (or recorded one of these
            # page views) meanwhile: do the batch again on top of what it wrote.
            db.session.rollback()
            announcements, touched = _record_batch(entries)
        pipe = redis.client.pipeline(transaction=False)
        for visitor_id, state in touched.items():
            hot.save_record(pipe, visitor_id, state)
        pipe.execute()
        for item in announcements:
            if item[0] == "presence":
                entry = item[1]
                changes.publish(entry.visitor_id, "presence", state=entry.state,
                                before=entry.before, url=entry.url)
            else:
                _, entry, work, state = item
                tracking.announce(work, entry.before or None, entry.state, state)
    # The unit has dispatched: only now is the batch done.
    ids = [e.entry_id for e in entries]
    pipe = redis.client.pipeline(transaction=True)
    pipe.xack(stream_key(), GROUP, *ids)
    pipe.xdel(stream_key(), *ids)
    pipe.execute()
    return len(entries)


def drain(consumer: str = "drain", batch: int = 50, min_idle: float | None = None) -> int:
    """Process everything there is now (tests, tools); returns how many entries."""
    ensure_group()
    total = 0
    while entries := read(consumer, batch, None, min_idle):
        total += process_batch(entries)
    return total


def run(consumer: str, batch: int = 50, block_ms: int = 1000) -> None:
    """Process batches until SIGTERM or SIGINT (the batch in hand is finished first)."""
    stopping = []

    def stop(*_args) -> None:
        stopping.append(True)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    ensure_group()
    log.info("pipeline consumer %s reading %s", consumer, stream_key())
    while not stopping:
        try:
            entries = read(consumer, batch, block_ms)
            process_batch(entries)
        except (RedisConnectionError, RedisTimeoutError):
            log.warning("pipeline: Redis unavailable; trying again in 1 s")
            time.sleep(1.0)
        except ResponseError as error:
            if "NOGROUP" not in str(error):
                raise
            ensure_group()  # the stream was deleted (a flushed Redis): start it again
        except Exception:
            # The entries stay pending; after PIPELINE_CLAIM_IDLE they are claimed again.
            log.exception("pipeline: batch failed")
            db.session.rollback()
            time.sleep(1.0)
