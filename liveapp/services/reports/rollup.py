"""Building the daily rollups (models/report_days.py): one (zone, day) at a time, its rows
deleted and counted again from the history for that day's UTC window, in one short
transaction; and which days a run should build."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app
from sqlalchemy import Integer, and_, case, cast, delete, distinct, func, select

from liveapp.extensions import db, redis
from liveapp.models.conversation import Conversation, Message
from liveapp.models.history import Offer, RoutingRecord, RoutingSkip, VisitorHour
from liveapp.models.meeting import Meeting
from liveapp.models.report_days import (
    ANY_STREAM,
    ROLLUPS,
    ChatDay,
    CompanyDay,
    DecisionDay,
    RepDay,
    ReportDayBuilt,
    SkipDay,
    VisitorDay,
)
from liveapp.models.user import User, utcnow
from liveapp.models.visitor import Visitor
from liveapp.services.reports.conversations import booked_after, measured
from liveapp.services.reports.days import local_day, utc_bounds
from liveapp.services.reports.scope import whole_seconds
from liveapp.services.reports.stale import hold_for_build

log = logging.getLogger("liveapp.reports")


def rebuild_day(zone: str, day: date) -> int:
    """Replace the rollup rows of (zone, day) with fresh counts; returns the rows written."""
    hold_for_build(zone, day)  # until the commit: no late write lands unseen (stale.py)
    lo, hi = utc_bounds(day, day, zone)
    rows = [*_visitor_days(lo, hi), *_company_days(lo, hi), *_decision_days(lo, hi),
            *_skip_days(lo, hi), *_rep_days(lo, hi), *_chat_days(lo, hi)]
    for model in (*ROLLUPS, ReportDayBuilt):
        db.session.execute(delete(model).where(model.zone == zone, model.day == day))
    for row in rows:
        row.zone, row.day = zone, day
    db.session.add_all(rows)
    db.session.add(ReportDayBuilt(zone=zone, day=day, built_at=utcnow()))
    db.session.commit()
    return len(rows)


def _in(column, lo: datetime, hi: datetime):
    return (column >= lo) & (column < hi)


_DISTINCT = func.count(distinct(VisitorHour.visitor_id))


def _visitor_days(lo, hi) -> list:
    counts = (_DISTINCT, func.count(distinct(case((VisitorHour.identified,
                                                   VisitorHour.visitor_id)))),
              func.count(distinct(case((VisitorHour.target, VisitorHour.visitor_id)))))
    where = _in(VisitorHour.hour, lo, hi)
    per_stream = db.session.execute(
        select(VisitorHour.site_id, VisitorHour.stream_id, *counts).where(where)
        .group_by(VisitorHour.site_id, VisitorHour.stream_id)).all()
    any_stream = db.session.execute(
        select(VisitorHour.site_id, *counts).where(where).group_by(VisitorHour.site_id)).all()
    return ([VisitorDay(site_id=s, stream_id=t, visitors=n, identified=i, target=g)
             for s, t, n, i, g in per_stream]
            + [VisitorDay(site_id=s, stream_id=ANY_STREAM, visitors=n, identified=i, target=g)
               for s, n, i, g in any_stream])


def _company_days(lo, hi) -> list:
    where = and_(_in(VisitorHour.hour, lo, hi), VisitorHour.company_domain.is_not(None))
    facts = (_DISTINCT, func.max(cast(VisitorHour.target, Integer)),
             func.max(VisitorHour.company_name))
    per_stream = db.session.execute(
        select(VisitorHour.site_id, VisitorHour.stream_id, VisitorHour.company_domain, *facts)
        .where(where).group_by(VisitorHour.site_id, VisitorHour.stream_id,
                               VisitorHour.company_domain)).all()
    any_stream = db.session.execute(
        select(VisitorHour.site_id, VisitorHour.company_domain, *facts).where(where)
        .group_by(VisitorHour.site_id, VisitorHour.company_domain)).all()
    return ([CompanyDay(site_id=s, stream_id=t, company_domain=d, visitors=n,
                        target=bool(g), company_name=name)
             for s, t, d, n, g, name in per_stream]
            + [CompanyDay(site_id=s, stream_id=ANY_STREAM, company_domain=d, visitors=n,
                          target=bool(g), company_name=name)
               for s, d, n, g, name in any_stream])


def _decision_days(lo, hi) -> list:
    known = RoutingRecord.owner_known
    keys = (RoutingRecord.site_id, func.coalesce(RoutingRecord.stream_id, 0),
            func.coalesce(RoutingRecord.rule_id, 0), func.coalesce(RoutingRecord.rule_name, ""),
            RoutingRecord.outcome)
    found = db.session.execute(
        select(*keys, func.count(), func.count(case((known, 1))),
               func.count(case((known & RoutingRecord.owner_routed, 1))))
        .where(_in(RoutingRecord.decided_at, lo, hi)).group_by(*keys)).all()
    return [DecisionDay(site_id=s, stream_id=t, rule_id=r, rule_name=name, outcome=o,
                        decisions=n, owner_known=k, owner_routed=w)
            for s, t, r, name, o, n, k, w in found]


def _skip_days(lo, hi) -> list:
    keys = (RoutingRecord.site_id, func.coalesce(RoutingRecord.stream_id, 0),
            func.coalesce(RoutingRecord.rule_id, 0), RoutingSkip.reason)
    found = db.session.execute(
        select(*keys, func.count()).join(RoutingRecord, RoutingRecord.id == RoutingSkip.decision_id)
        .where(_in(RoutingSkip.decided_at, lo, hi)).group_by(*keys)).all()
    return [SkipDay(site_id=s, stream_id=t, rule_id=r, reason=reason, skips=n)
            for s, t, r, reason, n in found]


_OFFER_COUNTS = {"accepted": "accepts", "declined": "declines", "timeout": "timeouts"}


def _rep_days(lo, hi) -> list:
    days: dict[tuple[int, int], RepDay] = {}

    def of(site_id, rep_id) -> RepDay:
        return days.setdefault((site_id or 0, rep_id), RepDay(
            site_id=site_id or 0, rep_id=rep_id, offers=0, accepts=0, declines=0,
            timeouts=0, chats=0, messages=0, meetings=0))

    site = func.coalesce(RoutingRecord.site_id, 0)
    offers = select(site, Offer.rep_id).select_from(Offer).outerjoin(
        RoutingRecord, RoutingRecord.id == Offer.decision_id).where(
        _in(Offer.offered_at, lo, hi))
    for site_id, rep_id, outcome, count in db.session.execute(
            offers.add_columns(Offer.outcome, func.count())
            .group_by(site, Offer.rep_id, Offer.outcome)):
        day = of(site_id, rep_id)
        day.offers += count
        if outcome in _OFFER_COUNTS:
            setattr(day, _OFFER_COUNTS[outcome], getattr(day, _OFFER_COUNTS[outcome]) + count)
    took = whole_seconds(Offer.answered_at, Offer.offered_at)
    hists: dict[tuple[int, int], dict[int, int]] = {}
    for site_id, rep_id, seconds, count in db.session.execute(
            offers.add_columns(took, func.count())
            .where(Offer.outcome == "accepted", Offer.answered_at.is_not(None))
            .group_by(site, Offer.rep_id, took)):
        of(site_id, rep_id)
        hists.setdefault((site_id or 0, rep_id), {})[int(seconds)] = count
    activity = {
        "chats": select(Visitor.site_id, Conversation.rep_id, func.count())
        .join(Visitor, Visitor.id == Conversation.visitor_id)
        .where(_in(Conversation.started_at, lo, hi))
        .group_by(Visitor.site_id, Conversation.rep_id),
        "messages": select(Visitor.site_id, Message.rep_id, func.count())
        .join(Conversation, Conversation.id == Message.conversation_id)
        .join(Visitor, Visitor.id == Conversation.visitor_id)
        .where(_in(Message.sent_at, lo, hi), Message.sender == "rep",
               Message.rep_id.is_not(None))
        .group_by(Visitor.site_id, Message.rep_id),
        "meetings": select(Visitor.site_id, Meeting.rep_id, func.count())
        .join(Visitor, Visitor.id == Meeting.visitor_id)
        .where(_in(Meeting.created_at, lo, hi), Meeting.status == "booked")
        .group_by(Visitor.site_id, Meeting.rep_id),
    }
    for key, query in activity.items():
        for site_id, rep_id, count in db.session.execute(query):
            day = of(site_id, rep_id)
            setattr(day, key, getattr(day, key) + count)
    for key, day in days.items():
        day.accept_seconds = _json(hists.get(key, {}))
    return list(days.values())


def _chat_days(lo, hi) -> list:
    started = [_in(Conversation.started_at, lo, hi)]
    keys = (Visitor.site_id, Conversation.rep_id, Conversation.origin)
    booked = booked_after()
    base = select(*keys).join(Visitor, Visitor.id == Conversation.visitor_id).where(*started)
    days: dict[tuple, ChatDay] = {}
    for site_id, rep_id, origin, chats, with_meeting in db.session.execute(
            base.add_columns(func.count(), func.count(case((booked, 1)))).group_by(*keys)):
        days[(site_id, rep_id, origin)] = ChatDay(
            site_id=site_id, rep_id=rep_id, origin=origin, chats=chats, answered=0,
            with_meeting=with_meeting)
    times = measured(started)
    hists: dict[tuple, dict[int, int]] = {}
    for site_id, rep_id, origin, took, count in db.session.execute(
            base.add_columns(times.c.took, func.count())
            .join(times, times.c.conversation_id == Conversation.id)
            .where(times.c.took.is_not(None)).group_by(*keys, times.c.took)):
        hists.setdefault((site_id, rep_id, origin), {})[int(took)] = count
        days[(site_id, rep_id, origin)].answered += count
    for key, day in days.items():
        day.response_seconds = _json(hists.get(key, {}))
    return list(days.values())


def _json(hist: dict[int, int]) -> str:
    return json.dumps({str(k): v for k, v in sorted(hist.items())}, separators=(",", ":"))


def histogram(text: str) -> dict[int, int]:
    """A stored histogram back to {seconds: count}."""
    return {int(k): v for k, v in json.loads(text or "{}").items()}


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
    older days; zone -> days built (logged with the time taken)."""
    now = now or utcnow()
    oldest = oldest_history()
    keep = current_app.config["RETENTION_DAYS"]
    done = {}
    for zone in zones():
        started = time.monotonic()
        wanted = days_to_build(zone, now, oldest, keep, backfill)
        rows = sum(rebuild(zone, wanted).values())
        done[zone] = len(wanted)
        log.info("report days: %s: built %d days (%s..%s), %d rows in %.2f s", zone,
                 len(wanted), min(wanted), max(wanted), rows, time.monotonic() - started)
    return done
