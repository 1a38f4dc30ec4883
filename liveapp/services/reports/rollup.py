"""Building the daily rollups (models/report_days.py): one (zone, day) at a time, its rows
deleted and counted again from the history for that day's UTC window, in one short
transaction (or only its group rows, after a change of a group's members). Which days a
run of the job builds: rollup_runs.py."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
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
    ChatFacetDay,
    CompanyDay,
    DecisionDay,
    GroupCompanyDay,
    GroupDayBuilt,
    GroupVisitorDay,
    RepCompanyDay,
    RepDay,
    RepFacetDay,
    ReportDayBuilt,
    RepVisitorDay,
    RuleCompanyDay,
    RuleVisitorDay,
    SkipDay,
    VisitorDay,
)
from liveapp.models.user import Group, group_members, utcnow
from liveapp.models.visitor import Visitor
from liveapp.services.reports.conversations import booked_after, measured
from liveapp.services.reports.days import utc_bounds
from liveapp.services.reports.scope import whole_seconds
from liveapp.services.reports.stale import hold_for_build
from liveapp.services.reports.where import contacts, routed

log = logging.getLogger("liveapp.reports")


def rebuild_day(zone: str, day: date) -> int:
    """Replace the rollup rows of (zone, day) with fresh counts; returns the rows written."""
    hold_for_build(zone, day)  # until the commit: no late write lands unseen (stale.py)
    lo, hi = utc_bounds(day, day, zone)
    reps, rules = _reps_of_day(lo, hi), _rules_of_day(lo, hi)
    rows = [*_visitor_days(lo, hi), *_company_days(lo, hi), *_decision_days(lo, hi),
            *_skip_days(lo, hi), *_rep_days(lo, hi), *_chat_days(lo, hi),
            *_visitor_days(lo, hi, reps), *_company_days(lo, hi, reps),
            *_visitor_days(lo, hi, rules), *_company_days(lo, hi, rules),
            *_group_days(lo, hi, group_members_now())]
    for facet in _facets(lo, hi):
        rows += _rep_days(lo, hi, facet) + _chat_days(lo, hi, facet)
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


def _rules_of_day(lo, hi):
    """The day's (rule, visitor) pairs: the rule routed the visitor."""
    made = routed(None, lambda column: _in(column, lo, hi)).subquery()
    return select(made.c.rule_id, made.c.visitor_id).distinct().subquery()


@dataclass(frozen=True)
class Facet:
    """A stream or rule filter as the rep and chat facet days count it: `pairs` (facet_id,
    visitor_id) the day's visitors in each stream (or routed by each rule), `decision`
    the decisions' column an offer is kept by."""

    name: str
    pairs: object
    decision: object


def _facets(lo, hi) -> list[Facet]:
    in_stream = select(VisitorHour.stream_id.label("facet_id"), VisitorHour.visitor_id).where(
        _in(VisitorHour.hour, lo, hi), VisitorHour.stream_id > 0).distinct().subquery()
    made = _rules_of_day(lo, hi)
    by_rule = select(made.c.rule_id.label("facet_id"), made.c.visitor_id).subquery()
    return [Facet("stream", in_stream, RoutingRecord.stream_id),
            Facet("rule", by_rule, RoutingRecord.rule_id)]


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
           "group_id": (GroupVisitorDay, GroupCompanyDay),
           "rule_id": (RuleVisitorDay, RuleCompanyDay)}


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


def _rep_days(lo, hi, facet: Facet | None = None) -> list:
    """RepDay rows; with a facet, RepFacetDay rows per stream (or rule)."""
    days: dict[tuple, RepDay | RepFacetDay] = {}

    def of(key: tuple) -> RepDay | RepFacetDay:
        *facet_id, site_id, rep_id = key
        key = (*facet_id, site_id or 0, rep_id)
        if key not in days:
            days[key] = _counted(RepDay, RepFacetDay, facet, facet_id, site_id=site_id or 0,
                                 rep_id=rep_id, offers=0, accepts=0, declines=0,
                                 timeouts=0, chats=0, messages=0, meetings=0)
        return days[key]

    site = func.coalesce(RoutingRecord.site_id, 0)
    by = [] if facet is None else [facet.decision]
    offers = select(*by, site, Offer.rep_id).select_from(Offer).outerjoin(
        RoutingRecord, RoutingRecord.id == Offer.decision_id).where(
        _in(Offer.offered_at, lo, hi), *[column.is_not(None) for column in by])
    for *key, outcome, count in db.session.execute(
            offers.add_columns(Offer.outcome, func.count())
            .group_by(*by, site, Offer.rep_id, Offer.outcome)):
        day = of(tuple(key))
        day.offers += count
        if outcome in _OFFER_COUNTS:
            setattr(day, _OFFER_COUNTS[outcome], getattr(day, _OFFER_COUNTS[outcome]) + count)
    took = whole_seconds(Offer.answered_at, Offer.offered_at)
    hists: dict[tuple, dict[int, int]] = {}
    for *key, seconds, count in db.session.execute(
            offers.add_columns(took, func.count())
            .where(Offer.outcome == "accepted", Offer.answered_at.is_not(None))
            .group_by(*by, site, Offer.rep_id, took)):
        of(tuple(key))
        *facet_id, site_id, rep_id = key
        hists.setdefault((*facet_id, site_id or 0, rep_id), {})[int(seconds)] = count
    for key, query in _activity(lo, hi, facet).items():
        for *owner, count in db.session.execute(query):
            day = of(tuple(owner))
            setattr(day, key, getattr(day, key) + count)
    for key, day in days.items():
        day.accept_seconds = _json(hists.get(key, {}))
    return list(days.values())


def _counted(model, facet_model, facet: Facet | None, facet_id: list, **counts):
    """A row of `model`, or with a facet of `facet_model` for facet_id ([id])."""
    if facet is None:
        return model(**counts)
    return facet_model(facet=facet.name, facet_id=facet_id[0], **counts)


def _of_facet(query, facet: Facet | None, visitor, *keys) -> tuple:
    """(query, its keys): with a facet, joined to its pairs on `visitor` and keyed by the
    facet id first."""
    if facet is None:
        return query, keys
    pairs = facet.pairs
    return query.join(pairs, pairs.c.visitor_id == visitor), (pairs.c.facet_id, *keys)


def _activity(lo, hi, facet: Facet | None) -> dict:
    """The day's chats, rep messages and meetings per (facet id,) site and rep."""
    found = {}
    for name, model, visitor, rep, start, where in (
            ("chats", Conversation, Conversation.visitor_id, Conversation.rep_id,
             Conversation.started_at, []),
            ("messages", Message, Conversation.visitor_id, Message.rep_id, Message.sent_at,
             [Message.sender == "rep", Message.rep_id.is_not(None)]),
            ("meetings", Meeting, Meeting.visitor_id, Meeting.rep_id, Meeting.created_at,
             [Meeting.status == "booked"])):
        query = select().select_from(model)
        if model is Message:
            query = query.join(Conversation, Conversation.id == Message.conversation_id)
        query = query.join(Visitor, Visitor.id == visitor).where(_in(start, lo, hi), *where)
        query, keys = _of_facet(query, facet, visitor, Visitor.site_id, rep)
        found[name] = query.add_columns(*keys, func.count()).group_by(*keys)
    return found


def _chat_days(lo, hi, facet: Facet | None = None) -> list:
    """ChatDay rows; with a facet, ChatFacetDay rows per stream (or rule)."""
    started = [_in(Conversation.started_at, lo, hi)]
    base = select().select_from(Conversation).join(
        Visitor, Visitor.id == Conversation.visitor_id).where(*started)
    base, keys = _of_facet(base, facet, Conversation.visitor_id, Visitor.site_id,
                           Conversation.rep_id, Conversation.origin)
    base = base.add_columns(*keys)
    booked = booked_after()
    days: dict[tuple, ChatDay | ChatFacetDay] = {}
    for *key, chats, with_meeting in db.session.execute(
            base.add_columns(func.count(), func.count(case((booked, 1)))).group_by(*keys)):
        *facet_id, site_id, rep_id, origin = key
        days[tuple(key)] = _counted(ChatDay, ChatFacetDay, facet, facet_id, site_id=site_id,
                                    rep_id=rep_id, origin=origin, chats=chats, answered=0,
                                    with_meeting=with_meeting)
    times = measured(started)
    hists: dict[tuple, dict[int, int]] = {}
    for *key, took, count in db.session.execute(
            base.add_columns(times.c.took, func.count())
            .join(times, times.c.conversation_id == Conversation.id)
            .where(times.c.took.is_not(None)).group_by(*keys, times.c.took)):
        hists.setdefault(tuple(key), {})[int(took)] = count
        days[tuple(key)].answered += count
    for key, day in days.items():
        day.response_seconds = _json(hists.get(key, {}))
    return list(days.values())


def _json(hist: dict[int, int]) -> str:
    return json.dumps({str(k): v for k, v in sorted(hist.items())}, separators=(",", ":"))


def histogram(text: str) -> dict[int, int]:
    """A stored histogram back to {seconds: count}."""
    return {int(k): v for k, v in json.loads(text or "{}").items()}
