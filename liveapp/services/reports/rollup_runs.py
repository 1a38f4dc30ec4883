"""The rollup job's runs (jobs/reports.py): which zones reports are read in, which days of
each a run builds (today and yesterday, then days not built yet, then days whose groups'
members changed) and the run itself; the counting is rollup.py's."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app
from sqlalchemy import func, or_, select

from liveapp.extensions import db, redis
from liveapp.models.conversation import Conversation
from liveapp.models.history import Offer, RoutingRecord, VisitorHour
from liveapp.models.report_days import GroupDayBuilt, ReportDayBuilt
from liveapp.models.user import User, utcnow
from liveapp.services.reports.days import local_day
from liveapp.services.reports.rollup import (
    group_members_now,
    members_key,
    rebuild_day,
    rebuild_groups,
)

log = logging.getLogger("liveapp.reports")


def built(zone: str, start: date, end: date) -> set[date]:
    """The days of start..end built for `zone`."""
    return set(db.session.scalars(select(ReportDayBuilt.day).where(
        ReportDayBuilt.zone == zone, ReportDayBuilt.day >= start, ReportDayBuilt.day <= end)))


def days_to_build(zone: str, now: datetime, oldest: datetime | None, keep_days: int,
                  backfill: int) -> list[date]:
    """What a run builds for `zone`: today and yesterday (local) always, then up to
    `backfill` days not built yet, newest first, back to the oldest history (`oldest`,
    naive UTC) or the retention period."""
    today = local_day(now, zone)
    wanted = [today, today - timedelta(days=1)]
    if oldest is None:
        return wanted
    first = max(local_day(oldest, zone), today - timedelta(days=keep_days))
    done = built(zone, first, today - timedelta(days=2))
    day = today - timedelta(days=2)
    missing = []
    while day >= first and len(missing) < backfill:
        if day not in done:
            missing.append(day)
        day -= timedelta(days=1)
    return wanted + missing


def groups_to_build(zone: str, members: dict[int, list[int]], backfill: int) -> list[date]:
    """The built days of `zone` whose group rows are not those of `members` (group id ->
    rep ids, group_members_now): a group's members changed, or the group is new; newest
    first, up to `backfill` (rebuild_groups redoes them)."""
    if not members:
        return []
    days = db.session.scalars(select(ReportDayBuilt.day).where(ReportDayBuilt.zone == zone))
    current = or_(*[(GroupDayBuilt.group_id == group) & (GroupDayBuilt.members == members_key(reps))
                    for group, reps in members.items()])
    marked = dict(db.session.execute(
        select(GroupDayBuilt.day, func.count()).where(GroupDayBuilt.zone == zone, current)
        .group_by(GroupDayBuilt.day)).all())
    return sorted((d for d in days if marked.get(d, 0) < len(members)), reverse=True)[:backfill]


def oldest_history() -> datetime | None:
    """The oldest instant any history the rollups count starts at (naive UTC)."""
    firsts = [db.session.scalar(select(func.min(column))) for column in (
        VisitorHour.hour, RoutingRecord.decided_at, Offer.offered_at, Conversation.started_at)]
    known = [f for f in firsts if f is not None]
    return min(known) if known else None


def rebuild(zone: str, days: Iterable[date]) -> dict[date, int]:
    return {day: rebuild_day(zone, day) for day in days}


def asked_key() -> str:
    """The Redis set of zones the page asked for that had no rollup (the job builds them)."""
    return redis.key("reports", "asked-zones")


BACKFILL_PER_RUN = 31  # older days one run builds per zone, newest first


def zones() -> list[str]:
    """The zones reports are read in: UTC, every user's, and those the page asked for
    lately (asked_key)."""
    users = set(db.session.scalars(select(User.time_zone).distinct()))
    asked = {z.decode() for z in redis.client.smembers(asked_key())}
    return sorted({"UTC"} | {z for z in users | asked if _known(z)})


def _known(zone: str | None) -> bool:
    try:
        return bool(zone) and ZoneInfo(zone) is not None
    except (ValueError, ZoneInfoNotFoundError):
        return False


def run(now: datetime | None = None, backfill: int = BACKFILL_PER_RUN) -> dict[str, int]:
    """One run of the job: per zone, today and yesterday, then up to `backfill` missing
    older days, and the group rows of up to `backfill` days whose groups' members changed;
    zone -> days built (logged with the time taken)."""
    now = now or utcnow()
    oldest = oldest_history()
    keep = current_app.config["RETENTION_DAYS"]
    done = {}
    for zone in zones():
        started = time.monotonic()
        wanted = days_to_build(zone, now, oldest, keep, backfill)
        rows = sum(rebuild(zone, wanted).values())
        regrouped = groups_to_build(zone, group_members_now(), backfill)
        rows += sum(rebuild_groups(zone, day) for day in regrouped)
        done[zone] = len(wanted)
        log.info("report days: %s: built %d days (%s..%s) and %d days' groups, %d rows in "
                 "%.2f s", zone, len(wanted), min(wanted), max(wanted), len(regrouped), rows,
                 time.monotonic() - started)
    return done
