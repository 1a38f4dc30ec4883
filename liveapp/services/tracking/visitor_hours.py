"""Visitors per UTC hour and stream, for reports (liveapp.models.history.VisitorHour).

The pipeline calls `record` once per batch, after the batch's unit of work dispatched
(so a new visitor's stream is already evaluated): for each visitor of the batch and hour
of their events, the stream they are in now (0: none) and what is known of them now
(identified: an email; target: an ABM target account; the company). One Lua call notes
each (visitor, hour, stream) in Redis with those facts (``reports:vh:<vid>:<hour>:<stream>``,
kept two hours): the first of the hour is inserted (ON CONFLICT DO NOTHING, so a batch
delivered again or another processor changes nothing), facts that changed since (the
visitor was identified or enriched later in the hour) update that hour's rows, and
everything else writes nothing. So a batch costs one Redis round trip to read the
memberships, one for the notes, and one statement per new hour or change.

A visitor with no stored membership after the batch (gone, or left) is not counted; nor
is a leave. History must not stop the pipeline: a failed write is rolled back, its notes
dropped (the next event of the hour tries again) and logged.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from redis.commands.core import Script
from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from liveapp.extensions import db, redis
from liveapp.models import Visitor
from liveapp.models.history import VisitorHour
from liveapp.services.bus import rows
from liveapp.services.membership import live_membership
from liveapp.services.reports import stale

if TYPE_CHECKING:  # the pipeline hands its entries here and imports this module
    from liveapp.services.tracking.pipeline import Entry

log = logging.getLogger(__name__)

NOTE_TTL = 2 * 3600  # seconds; longer than the hour a note is for
NEW, CHANGED, SAME = 0, 1, 2

# KEYS: one note per (visitor, hour, stream); ARGV: each one's facts, then the TTL.
# Returns, per key, NEW (not noted yet), CHANGED (other facts noted) or SAME.
_NOTE = Script(None, b"""
local ttl = ARGV[#KEYS + 1]
local out = {}
for i, key in ipairs(KEYS) do
  local old = redis.call('GET', key)
  if old == ARGV[i] then
    out[i] = 2
  else
    redis.call('SET', key, ARGV[i], 'EX', ttl)
    out[i] = old and 1 or 0
  end
end
return out
""")


def note_key(visitor_id: str, hour: int, stream_id: int) -> str:
    return redis.key("reports", "vh", visitor_id, hour, stream_id)


def _facts(visitor: Visitor) -> dict:
    return {"identified": visitor.email is not None, "target": bool(visitor.abm_target),
            "company_domain": visitor.company_domain, "company_name": visitor.company_name}


def _signature(row: dict) -> str:
    return "|".join(str(row[k] or "") for k in (
        "identified", "target", "company_domain", "company_name"))


def _hours(entries: list[Entry]) -> dict[tuple[str, int], None]:
    now = time.time()
    return dict.fromkeys(
        (e.visitor_id, int(float(e.data.get("at") or now) // 3600) * 3600)
        for e in entries if e.type != "leave" and e.visitor_id)


def record(entries: list[Entry]) -> int:
    """Note the batch's visitors in their hours; returns how many rows were written
    (inserted or updated). Never raises for the database: logs and drops its notes."""
    hours = _hours(entries)
    if not hours:
        return 0
    ids = list(dict.fromkeys(vid for vid, _ in hours))
    placed = dict(zip(ids, redis.client.mget(
        [live_membership.membership_key(vid) for vid in ids]), strict=True))
    visitors = rows.load(Visitor, [vid for vid in ids if placed[vid]])
    wanted = []  # (visitor id, hour, stream id, the row's other columns)
    for vid, hour in hours:
        membership = live_membership._decode_stored(placed[vid])  # noqa: SLF001 (its own format)
        visitor = visitors.get(vid)
        if membership is None or visitor is None:
            continue
        wanted.append((vid, hour, membership.stream_id or 0,
                       {"site_id": visitor.site_id, **_facts(visitor)}))
    if not wanted:
        return 0
    keys = [note_key(vid, hour, stream) for vid, hour, stream, _ in wanted]
    answers = _NOTE(keys=keys, args=[*(_signature(f) for *_, f in wanted), NOTE_TTL],
                    client=redis.client)
    new = [w for w, a in zip(wanted, answers, strict=True) if a == NEW]
    changed = [w for w, a in zip(wanted, answers, strict=True) if a == CHANGED]
    if not (new or changed):
        return 0
    try:
        _write(new, changed)
    except SQLAlchemyError:
        db.session.rollback()
        redis.client.delete(*(k for k, a in zip(keys, answers, strict=True) if a != SAME))
        log.exception("visitor hours: %d not recorded", len(new) + len(changed))
        return 0
    return len(new) + len(changed)


def _hour(hour: int) -> datetime:
    return datetime.fromtimestamp(hour, UTC).replace(tzinfo=None)


def _write(new: list, changed: list) -> None:
    if new:
        dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
        db.session.execute(dialect.insert(VisitorHour).values([
            {"hour": _hour(hour), "visitor_id": vid, "stream_id": stream, **row}
            for vid, hour, stream, row in new]).on_conflict_do_nothing())
    for vid, hour, _, row in changed:
        facts = {k: v for k, v in row.items() if k != "site_id"}
        db.session.execute(update(VisitorHour).where(
            VisitorHour.visitor_id == vid, VisitorHour.hour == _hour(hour)).values(**facts))
    stale.mark_stale(_hour(hour) for _, hour, _, _ in new + changed)  # a late batch
    with rows.keeping_loaded():
        db.session.commit()
