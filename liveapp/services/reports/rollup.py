"""Building the daily rollups (models/report_days.py): one (zone, day) at a time, its rows
deleted and counted again from the history for that day's UTC window, in one short
transaction (or only its group rows, after a change of a group's members). Which days a
run of the job builds: rollup_runs.py."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import Integer, case, cast, delete, distinct, func, literal, select, union

from liveapp.extensions import db
from liveapp.models.conversation import Conversation, Message
from liveapp.models.history import Offer, RoutingRecord, RoutingSkip, VisitorHour
from liveapp.models.meeting import Meeting
from liveapp.models.report_days import (
    ANY_STREAM,
    GROUP_ROLLUPS,
    ROLLUPS,
    ChatDay,
    CompanyDay,
    DecisionDay,
    GroupCompanyDay,
    GroupDayBuilt,
    GroupVisitorDay,
    RepCompanyDay,
    RepDay,
    ReportDayBuilt,
    RepVisitorDay,
    SkipDay,
    VisitorDay,
)
from liveapp.models.user import Group, group_members, utcnow
from liveapp.models.visitor import Visitor
from liveapp.services.reports.conversations import booked_after, measured
from liveapp.services.reports.days import utc_bounds
from liveapp.services.reports.scope import whole_seconds
from liveapp.services.reports.stale import hold_for_build
from liveapp.services.reports.where import contacts

log = logging.getLogger("liveapp.reports")


def rebuild_day(zone: str, day: date) -> int:
    """Replace the rollup rows of (zone, day) with fresh counts; returns the rows written."""
    hold_for_build(zone, day)  # until the commit: no late write lands unseen (stale.py)
    lo, hi = utc_bounds(day, day, zone)
    reps = _reps_of_day(lo, hi)
    rows = [*_visitor_days(lo, hi), *_company_days(lo, hi), *_decision_days(lo, hi),
            *_skip_days(lo, hi), *_rep_days(lo, hi), *_chat_days(lo, hi),
            *_visitor_days(lo, hi, reps), *_company_days(lo, hi, reps),
            *_group_days(lo, hi, group_members_now())]
    _replace(zone, day, (*ROLLUPS, ReportDayBuilt),
             [*rows, ReportDayBuilt(built_at=utcnow())])
    return len(rows)


def rebuild_groups(zone: str, day: date) -> int:
    """Replace the group rows of a built (zone, day) only, counted from the groups'
    members now (after a change of members); returns the rows written."""
    lo, hi = utc_bounds(day, day, zone)
    rows = _group_days(lo, hi, group_members_now())
    _replace(zone, day, GROUP_ROLLUPS, rows)
    return len(rows)


def _replace(zone: str, day: date, models: Iterable, rows: list) -> None:
    """Delete the rows of `models` for (zone, day) and write `rows` instead, in one
    transaction."""
    for model in models:
        db.session.execute(delete(model).where(model.zone == zone, model.day == day))
    for row in rows:
        row.zone, row.day = zone, day
    db.session.add_all(rows)
    db.session.commit()


def _in(column, lo: datetime, hi: datetime):
    return (column >= lo) & (column < hi)


_DISTINCT = func.count(distinct(VisitorHour.visitor_id))


def _hours(lo, hi, pairs, **columns) -> tuple:
    """(a grouped read of the day's visitor hours, the names of its keys): per site and
    `columns` (name -> column), and per rep or group with `pairs` (the day's (rep_id or
    group_id, visitor_id) pairs)."""
    keys = {"site_id": VisitorHour.site_id, **columns}
    query = select().select_from(VisitorHour).where(_in(VisitorHour.hour, lo, hi))
    if pairs is not None:
        query = query.join(pairs, pairs.c.visitor_id == VisitorHour.visitor_id)
        owner = _owner(pairs)
        keys = {owner.name: owner, **keys}
    return query.add_columns(*keys.values()).group_by(*keys.values()), list(keys)


def _reps_of_day(lo, hi):
    """The day's (rep, visitor) pairs: offered to the rep or chatting with them."""
    made = contacts(lambda column: _in(column, lo, hi)).subquery()
    return select(made.c.rep_id, made.c.visitor_id).distinct().subquery()


def _owner(pairs):
    """The pairs' rep_id or group_id column."""
    return next(column for column in pairs.c if column.name != "visitor_id")


MAX_GROUPS_READ = 200  # groups per query (SQLite allows 500 SELECTs in one UNION)
GROUP_ROWS_FROM = 2  # members; a group of one has no rows of its own: its rep's answer


def _group_days(lo, hi, members: dict[int, list[int]]) -> list:
    """GroupVisitorDay and GroupCompanyDay rows, and each group's GroupDayBuilt: its
    visitors are those the day's contacts (where.contacts) had with the members listed in
    `members` (group id -> rep ids, read once: the mark names the members counted)."""
    rows = [GroupDayBuilt(group_id=group, members=members_key(reps))
            for group, reps in members.items()]
    made = contacts(lambda column: _in(column, lo, hi)).cte("made")
    filled = [(group, reps) for group, reps in members.items() if len(reps) >= GROUP_ROWS_FROM]
    for at in range(0, len(filled), MAX_GROUPS_READ):
        arms = union(*[select(literal(group, Integer).label("group_id"), made.c.visitor_id)
                       .where(made.c.rep_id.in_(reps))
                       for group, reps in filled[at:at + MAX_GROUPS_READ]]).subquery()
        rows += _visitor_days(lo, hi, arms) + _company_days(lo, hi, arms)
    return rows


def group_members_now() -> dict[int, list[int]]:
    """Every group's member ids now (an empty list for a group without members), read
    in one statement."""
    members: dict[int, list[int]] = {}
    for group, rep in db.session.execute(
            select(Group.id, group_members.c.user_id).outerjoin(
                group_members, group_members.c.group_id == Group.id)):
        members.setdefault(group, [])
        if rep is not None:
            members[group].append(rep)
    return members


def members_key(reps: Iterable[int]) -> str:
    """A digest of a group's member ids, as GroupDayBuilt.members stores it."""
    listed = ",".join(str(rep) for rep in sorted(set(reps)))
    return hashlib.sha256(listed.encode()).hexdigest()


_STREAMS = ({"stream_id": VisitorHour.stream_id}, {})  # per stream, then in any stream
_MODELS = {None: (VisitorDay, CompanyDay), "rep_id": (RepVisitorDay, RepCompanyDay),
           "group_id": (GroupVisitorDay, GroupCompanyDay)}


def _models(pairs) -> tuple:
    """(visitor days model, company days model) for the pairs' owner (none: everyone)."""
    return _MODELS[None if pairs is None else _owner(pairs).name]


def _visitor_days(lo, hi, pairs=None) -> list:
    """VisitorDay rows; with the day's rep or group pairs, RepVisitorDay or
    GroupVisitorDay rows."""
    model = _models(pairs)[0]
    counts = (_DISTINCT, func.count(distinct(case((VisitorHour.identified,
                                                   VisitorHour.visitor_id)))),
              func.count(distinct(case((VisitorHour.target, VisitorHour.visitor_id)))))
    rows = []
    for streams in _STREAMS:
        query, names = _hours(lo, hi, pairs, **streams)
        for *key, n, i, g in db.session.execute(query.add_columns(*counts)):
            rows.append(model(**{"stream_id": ANY_STREAM, **dict(zip(names, key, strict=True))},
                              visitors=n, identified=i, target=g))
    return rows


def _company_days(lo, hi, pairs=None) -> list:
    """CompanyDay rows; with the day's rep or group pairs, RepCompanyDay or
    GroupCompanyDay rows."""
    model = _models(pairs)[1]
    facts = (_DISTINCT, func.max(cast(VisitorHour.target, Integer)),
             func.max(VisitorHour.company_name))
    rows = []
    for streams in _STREAMS:
        query, names = _hours(lo, hi, pairs, **streams,
                              company_domain=VisitorHour.company_domain)
        query = query.where(VisitorHour.company_domain.is_not(None)).add_columns(*facts)
        for *key, n, g, name in db.session.execute(query):
            rows.append(model(**{"stream_id": ANY_STREAM, **dict(zip(names, key, strict=True))},
                              visitors=n, target=bool(g), company_name=name))
    return rows


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
