"""The event pipeline: the events API only accepts an event (limits, hot presence, an
append to the Redis Stream of the visitor's shard, one Lua round trip; see
visitor_events.accept); `liveapp pipeline` processes run here read the streams through the
consumer group "pipeline", in batches.

Shards and order. The stream is split in PIPELINE_SHARDS streams `events:<n>`, n a stable
hash (crc32) of the visitor id, so one visitor's events are in one stream, in order. A
processor owns shards through Redis leases (`pipeline:lease:<n>`, PIPELINE_LEASE seconds,
renewed three times a lease between batches; one Lua script, as the worker clock's) and
reads only its own, with one XREADGROUP over their streams: one visitor's events are never
processed by two processors at once. Processors register in `pipeline:processors`; each
holds at most ceil(shards / live processors), giving back what is above that when another
starts, and taking free shards up to it. A killed processor's leases expire after the
lease; a stopped one gives them back at once. On taking a shard over, a processor first
claims everything pending in it (XAUTOCLAIM, min idle 0: the lease says its previous owner
is gone), so those entries come before the shard's new ones.

A batch is one unit of work on the change bus: its events are recorded in one database
transaction, in stream order (visitor_events.apply, per event),
committed, then the unit dispatches their changes (membership once per visitor, cards
once per visitor, ... as the bus does for any unit), and only then are the entries
acknowledged and deleted. A processor killed before that leaves them pending for the
shard's next owner. Recording is idempotent per event id: a page view whose id is already
in page_views is skipped, and when the hot state lacks it (the delivery that recorded it
died between its commit and its hot-state write, so before its dispatch too) the hot
state's record fields are put back from the row and its changes dispatched; identify
(same email: no change), leave (closes what is still open, at the event's own time) and the
visitor's last_seen/ip/traits (set to the event's values) give the same rows when applied
twice.

Failures. A batch that fails is done again one event at a time, each in its own
transaction, so only a bad event fails; it stays pending and is claimed again (after a
pause) before the shard's new entries. Once an entry was delivered PIPELINE_MAX_DELIVERIES
times and fails again it is moved to the dead-letter stream `events:dead` (its fields as
appended, its stream and entry id, the deliveries, the error's traceback), acknowledged
and logged at ERROR. Failures that say nothing about the event (the database or Redis
away) never dead-letter: the entries wait, with a pause doubling up to 30 s. `drain()`
processes every shard without leases, for tests and tools.

Bulk work per batch. The batch's known visitors are loaded in one query before recording
(visitor_events.apply then finds them in the session); each event still writes its own rows (the
visit's page count, the previous page's time on page, the new page view). The bus stages
that follow load in bulk too: membership evaluates the batch's visitors with one Redis
round trip and four queries (membership.reevaluate_many), and the cards are loaded,
rendered and their board states swapped with a fixed number of queries and round trips
(live.boards.refresh_many), however many visitors the batch holds.
"""

from __future__ import annotations

import json
import logging
import time
import traceback
import zlib
from dataclasses import dataclass, field, replace

from flask import current_app
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError

from liveapp import metrics
from liveapp.extensions import db, redis
from liveapp.services.bus import changes
from liveapp.services.tracking import hot_state, recording, visitor_events, visitor_hours

log = logging.getLogger(__name__)

GROUP = "pipeline"
DEAD_KEPT = 10_000  # entries kept in the dead-letter stream (the oldest go first)

# Failures that say nothing about the event (the database or Redis away, SQLite busy): the
# entries wait and are tried again, never moved to the dead-letter stream for them.
TRANSIENT = (OperationalError, InterfaceError, RedisConnectionError, RedisTimeoutError)


def shard_count() -> int:
    return current_app.config["PIPELINE_SHARDS"]


def shard_of(visitor_id: str, shards: int | None = None) -> int:
    """The shard of a visitor's events: a stable hash (the same in every process and
    release, unlike Python's hash()), so one visitor's events stay in one stream, in order."""
    return zlib.crc32(visitor_id.encode()) % (shards or shard_count())


def stream_key(shard: int) -> str:
    return redis.key("events", str(shard))


def stream_keys() -> list[str]:
    return [stream_key(shard) for shard in range(shard_count())]


def dead_key() -> str:
    """The dead-letter stream: entries that failed PIPELINE_MAX_DELIVERIES times."""
    return redis.key("events", "dead")


def ensure_groups() -> None:
    """The consumer group on every shard's stream (creating the streams), one round trip."""
    pipe = redis.client.pipeline(transaction=False)
    for key in stream_keys():
        pipe.xgroup_create(key, GROUP, id="0", mkstream=True)
    for answer in pipe.execute(raise_on_error=False):
        if isinstance(answer, Exception) and "BUSYGROUP" not in str(answer):
            raise answer  # BUSYGROUP: it exists already, fine


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
    stream: str = ""  # the shard's stream it came from
    fields: dict = field(default_factory=dict, compare=False)  # as appended (dead letters)
    # Read as new (XREADGROUP ">"): never delivered before, so not recorded by an earlier
    # delivery (claimed entries, and any entry tried again, are checked).
    fresh: bool = field(default=False, compare=False)


def decoded(value) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _decode(stream, entry_id, fields: dict) -> Entry:
    """An entry as appended; one that cannot be read (not written by the events API)
    still becomes an Entry, which fails when processed and ends as a dead letter."""
    values = {decoded(k): decoded(v) for k, v in fields.items()}
    try:
        data = json.loads(values.get("data", ""))
    except ValueError:
        data = None
    return Entry(decoded(entry_id), values.get("id", ""), values.get("v", ""),
                 values.get("type", ""), values.get("before", ""), values.get("state", ""),
                 values.get("url", ""), data if isinstance(data, dict) else {},
                 decoded(stream), values)


def _entries(stream, messages, fresh: bool = False) -> list[Entry]:
    # Entries deleted while pending come back as (id, None) on Redis 6.2: nothing to do.
    entries = [_decode(stream, entry_id, fields) for entry_id, fields in messages if fields]
    return [replace(entry, fresh=True) for entry in entries] if fresh else entries


def claim(consumer: str, count: int, min_idle: float | None = None,
          shards: list[int] | None = None) -> list[Entry]:
    """Take over entries of these shards (all by default) pending with any consumer for at
    least `min_idle` seconds (PIPELINE_CLAIM_IDLE by default), up to `count` a shard, in
    stream order per shard. XAUTOCLAIM counts a delivery of each."""
    if min_idle is None:
        min_idle = current_app.config["PIPELINE_CLAIM_IDLE"]
    keys = [stream_key(s) for s in (range(shard_count()) if shards is None else shards)]
    pipe = redis.client.pipeline(transaction=False)
    for key in keys:
        pipe.xautoclaim(key, GROUP, consumer, min_idle_time=int(min_idle * 1000),
                        start_id="0-0", count=count)
    return [entry for key, answer in zip(keys, pipe.execute(), strict=True)
            for entry in _entries(key, answer[1])]


def redelivered(entries: list[Entry]) -> list[Entry]:
    """These entries as a later delivery sees them (claimed, so not fresh): tests and
    tools that deliver entries again."""
    return [replace(entry, fresh=False) for entry in entries]


def read(consumer: str, count: int, block_ms: int | None = None,
         shards: list[int] | None = None) -> list[Entry]:
    """New entries of these shards (all by default) for this consumer, up to `count` a
    shard, one XREADGROUP over their streams (waiting up to `block_ms` for some; None: not
    at all)."""
    keys = [stream_key(s) for s in (range(shard_count()) if shards is None else shards)]
    if not keys:
        return []
    answer = redis.client.xreadgroup(GROUP, consumer, dict.fromkeys(keys, ">"), count=count,
                                     block=block_ms)
    return [entry for key, messages in (answer or [])
            for entry in _entries(key, messages, fresh=True)]


def _acknowledge(entries: list[Entry]) -> None:
    by_stream: dict[str, list[str]] = {}
    for entry in entries:
        by_stream.setdefault(entry.stream, []).append(entry.entry_id)
    pipe = redis.client.pipeline(transaction=True)
    for key, ids in by_stream.items():
        pipe.xack(key, GROUP, *ids)
        pipe.xdel(key, *ids)
    pipe.execute()


def process_batch(entries: list[Entry], again: bool = False) -> int:
    """Record, commit, dispatch, then acknowledge one batch; returns how many entries.
    Raises what failed (the entries stay pending). `again`: these entries were tried
    before (in this process), so may be recorded already, fresh or not."""
    if not entries:
        return 0
    with changes.unit():
        try:
            announcements, touched = recording.record_batch(
                entries, check=again or not all(e.fresh for e in entries))
        except IntegrityError:
            # Another processor created one of these visitors (or recorded one of these
            # page views) meanwhile: do the batch again on top of what it wrote.
            db.session.rollback()
            announcements, touched = recording.record_batch(entries)
        pipe = redis.client.pipeline(transaction=False)
        for visitor_id, state in touched.items():
            hot_state.save_record(pipe, visitor_id, state)
        pipe.execute()
        for item in announcements:
            if item[0] == "presence":
                entry = item[1]
                changes.publish(entry.visitor_id, "presence", state=entry.state,
                                before=entry.before, url=entry.url)
            else:
                _, entry, work, state = item
                visitor_events.announce(work, entry.before or None, entry.state, state)
    # The unit has dispatched (the visitors' streams are evaluated): their hours, for reports.
    visitor_hours.record(entries)
    _acknowledge(entries)
    return len(entries)


def deliveries(entry: Entry) -> int:
    """How many times the entry was delivered (read or claimed) so far."""
    pending = redis.client.xpending_range(entry.stream, GROUP, min=entry.entry_id,
                                          max=entry.entry_id, count=1)
    return pending[0]["times_delivered"] if pending else 0


def bury(entry: Entry, error: str, delivered: int) -> None:
    """Move an entry to the dead-letter stream (its fields as appended, where it came from,
    the error) and acknowledge it, in one transaction."""
    pipe = redis.client.pipeline(transaction=True)
    pipe.xadd(dead_key(), {**entry.fields, "stream": entry.stream, "entry_id": entry.entry_id,
                           "deliveries": str(delivered), "error": error[-4000:],
                           "dead_at": repr(time.time())},
              maxlen=DEAD_KEPT, approximate=True)
    pipe.xack(entry.stream, GROUP, entry.entry_id)
    pipe.xdel(entry.stream, entry.entry_id)
    pipe.execute()
    log.error("pipeline: event %s (%s of visitor %s, entry %s of %s) failed %d times; moved "
              "to %s: %s", entry.event_id, entry.type, entry.visitor_id, entry.entry_id,
              entry.stream, delivered, dead_key(), error.strip().splitlines()[-1])


@dataclass
class Outcome:
    """What handling a batch did: entries done (recorded or dead-lettered), the shards
    with entries left pending, and whether the failure was transient (back off)."""

    done: int = 0
    left: set[str] = field(default_factory=set)
    transient: bool = False


def handle(entries: list[Entry], max_deliveries: int | None = None) -> Outcome:
    """Process a batch; when it fails, its events one by one, each in its own
    transaction, so only a bad one fails. A bad one stays pending to be tried again, or,
    once delivered `max_deliveries` times (PIPELINE_MAX_DELIVERIES), goes to the
    dead-letter stream. Transient failures (database or Redis away) leave the entries
    pending however often they were delivered."""
    if max_deliveries is None:
        max_deliveries = current_app.config["PIPELINE_MAX_DELIVERIES"]
    outcome = Outcome()
    try:
        outcome.done = process_batch(entries)
        return outcome
    except Exception as error:
        db.session.rollback()
        if isinstance(error, TRANSIENT) or len(entries) == 1:
            failed_alone = error
        else:
            log.warning("pipeline: a batch of %d failed (%s); processing it one by one",
                        len(entries), error)
            failed_alone = None
    for index, entry in enumerate(entries):
        error = failed_alone
        if error is None:
            try:
                outcome.done += process_batch([entry], again=True)
                continue
            except Exception as failure:
                db.session.rollback()
                error = failure
        if isinstance(error, TRANSIENT):
            # Nothing to learn from the others now: all of them wait (in order).
            log.warning("pipeline: %s; %d entries wait", error, len(entries) - index)
            outcome.transient = True
            outcome.left.update(e.stream for e in entries[index:])
            return outcome
        failed_alone = None
        delivered = deliveries(entry)
        if delivered >= max_deliveries:
            bury(entry, "".join(traceback.format_exception(error)), delivered)
            outcome.done += 1
        else:
            log.warning("pipeline: event %s failed (delivery %d of %d): %s", entry.event_id,
                        delivered, max_deliveries, error)
            outcome.left.add(entry.stream)
    return outcome


def measured(entries: list[Entry]) -> Outcome:
    """`handle`, with the batch's size and time counted (liveapp.metrics)."""
    started = time.perf_counter()
    outcome = handle(entries)
    metrics.batch_handled(len(entries), time.perf_counter() - started)
    return outcome


def chunks(entries: list[Entry], size: int) -> list[list[Entry]]:
    return [entries[i:i + size] for i in range(0, len(entries), size)]


def drain(consumer: str = "drain", batch: int = 50, min_idle: float | None = None) -> int:
    """Process everything there is now on every shard, without leases (tests, tools):
    entries pending for `min_idle` seconds first (PIPELINE_CLAIM_IDLE by default), then new
    ones. Stops at the first failure (the failed entries stay pending, or are dead letters
    when they reached PIPELINE_MAX_DELIVERIES). Returns how many entries were done."""
    ensure_groups()
    total = 0
    while entries := (claim(consumer, batch, min_idle) or read(consumer, batch)):
        for chunk in chunks(entries, batch):
            outcome = measured(chunk)
            total += outcome.done
            if outcome.left:
                return total
    return total
