"""Which rows a report reads: the filters as WHERE conditions on each history table, the
same narrowing for every figure (a rep filter keeps the visitor-days and decisions that
rep was offered, and the chats, messages and meetings that are theirs)."""

from __future__ import annotations

from sqlalchemy import exists, func, select
from sqlalchemy.orm import aliased

from liveapp.extensions import db
from liveapp.models.conversation import Conversation
from liveapp.models.history import Offer, RoutingRecord, RoutingSkip, VisitorHour
from liveapp.models.meeting import Meeting
from liveapp.models.visitor import Visitor
from liveapp.services.reports.filters import Filters
from liveapp.services.reports.scope import Window, dialect, local_day, plus_hours, rep_scope


def visitor_hours(filters: Filters, window: Window) -> list:
    """Visitor hours in the window; a rep or group filter keeps each visitor on the local
    days a rep in it was offered the visitor or chatted with them (`contacts`); a rule
    filter, on the local days the rule routed the visitor."""
    where = []
    if filters.site_id is not None:
        where.append(VisitorHour.site_id == filters.site_id)
    if filters.stream_id is not None:
        where.append(VisitorHour.stream_id == filters.stream_id)
    listed = False
    if (reps := rep_scope(filters)) is not None:
        condition, _ = _among(VisitorHour.id, _hours_of_reps(reps, filters, window))
        where.append(condition)
        listed = True  # by id, or a subquery SQLite runs first either way
    if filters.rule_id is not None:
        condition, by_rule = _among(VisitorHour.id, _hours_near(
            routed(filters.rule_id, window.between).subquery(), filters, window))
        where.append(condition)
        listed = listed or by_rule
    hour = VisitorHour.hour
    if listed and dialect() == "sqlite":
        # SQLite (no statistics) would rather scan the window's hours through their index
        # and probe the list; an expression it cannot index on makes it read the listed
        # visitors' rows through the visitor index instead.
        hour = func.coalesce(VisitorHour.hour, VisitorHour.hour)
    return [window.between(hour), *where]


def _hours_of_reps(reps: list[int], filters: Filters, window: Window):
    """The ids of the visitor hours on the local day of a contact with one of `reps`."""
    return _hours_near(contacts(window.between, reps).subquery(), filters, window)


def _hours_near(made, filters: Filters, window: Window):
    """The ids of the visitor hours on the local day of one of `made`'s (visitor_id, at):
    read from each through the visitor index (the hours within a day of it), not by
    scanning the window's hours."""
    near = aliased(VisitorHour)
    within_a_day = ((near.visitor_id == made.c.visitor_id)
                    & (near.hour > plus_hours(made.c.at, -DAY_HOURS))
                    & (near.hour < plus_hours(made.c.at, DAY_HOURS)))
    return select(near.id).distinct().join(made, within_a_day).where(
        window.between(near.hour),
        local_day(near.hour, filters, window) == local_day(made.c.at, filters, window))


DAY_HOURS = 26  # a local day is at most 25 hours long


def contacts(between, reps: list[int] | None = None):
    """(rep_id, visitor_id, at) of each offer made and chat started in a window (`between`:
    a time column -> the condition), of `reps` only unless None. A visitor is a rep's on
    the local day of `at`: the reports' rep and group filters on visitors, live and in the
    daily rollups."""
    offered = select(Offer.rep_id.label("rep_id"), Offer.visitor_id.label("visitor_id"),
                     Offer.offered_at.label("at")).where(between(Offer.offered_at))
    chatted = select(Conversation.rep_id, Conversation.visitor_id,
                     Conversation.started_at).where(between(Conversation.started_at))
    if reps is not None:
        offered = offered.where(Offer.rep_id.in_(reps))
        chatted = chatted.where(Conversation.rep_id.in_(reps))
    return offered.union_all(chatted)


def decisions(filters: Filters, window: Window) -> list:
    """Routing decisions in the window; a rep filter keeps the decisions that offered
    the visitor to that rep (or a member of the group)."""
    where = [window.between(RoutingRecord.decided_at)] + _decision_facts(filters)
    if (reps := rep_scope(filters)) is not None:
        where.append(RoutingRecord.id.in_(
            select(Offer.decision_id).where(Offer.rep_id.in_(reps),
                                            window.between(Offer.offered_at))))
    return where


def _decision_facts(filters: Filters) -> list:
    where = []
    if filters.site_id is not None:
        where.append(RoutingRecord.site_id == filters.site_id)
    if filters.stream_id is not None:
        where.append(RoutingRecord.stream_id == filters.stream_id)
    if filters.rule_id is not None:
        where.append(RoutingRecord.rule_id == filters.rule_id)
    return where


def _decision_ids(filters: Filters, window: Window):
    return select(RoutingRecord.id).where(window.between(RoutingRecord.decided_at),
                                          *_decision_facts(filters))


def skips(filters: Filters, window: Window) -> list:
    """Reps skipped in the window (a rep filter: that rep's skips)."""
    where = [window.between(RoutingSkip.decided_at)]
    if _decision_facts(filters):
        where.append(RoutingSkip.decision_id.in_(_decision_ids(filters, window)))
    if (reps := rep_scope(filters)) is not None:
        where.append(RoutingSkip.rep_id.in_(reps))
    return where


def offers(filters: Filters, window: Window) -> list:
    """Offers made in the window; site, stream and rule are their decision's."""
    where = [window.between(Offer.offered_at)]
    if _decision_facts(filters):
        where.append(Offer.decision_id.in_(_decision_ids(filters, window)))
    if (reps := rep_scope(filters)) is not None:
        where.append(Offer.rep_id.in_(reps))
    return where


def conversations(filters: Filters, window: Window) -> list:
    """Conversations started in the window."""
    return [window.between(Conversation.started_at),
            *visitor_facts(Conversation.visitor_id, Conversation.started_at, filters, window),
            *_of_reps(Conversation.rep_id, filters)]


def meetings(filters: Filters, window: Window) -> list:
    """Meetings booked (not cancelled) in the window."""
    return [window.between(Meeting.created_at), Meeting.status == "booked",
            *visitor_facts(Meeting.visitor_id, Meeting.created_at, filters, window),
            *_of_reps(Meeting.rep_id, filters)]


def _of_reps(column, filters: Filters) -> list:
    reps = rep_scope(filters)
    return [] if reps is None else [column.in_(reps)]


def visitor_facts(column, at, filters: Filters, window: Window) -> list:
    """Site: the visitor's; stream: the visitor was in it on the local day of `at` (a
    chat's start, a message, a meeting); rule: it routed the visitor that local day. Per
    day, as the daily rollups keep them (RepFacetDay, ChatFacetDay)."""
    where = []
    if filters.site_id is not None:
        where.append(column.in_(select(Visitor.id).where(Visitor.site_id == filters.site_id)))
    if filters.stream_id is not None:
        in_stream = VisitorHour.stream_id == filters.stream_id
        where += [column.in_(select(VisitorHour.visitor_id).where(
            in_stream, window.between(VisitorHour.hour))),  # first: the few in the window
            _same_day(column, at, VisitorHour.visitor_id, VisitorHour.hour, in_stream,
                      filters, window)]
    if filters.rule_id is not None:
        where += [column.in_(select(routed(filters.rule_id, window.between).subquery()
                                    .c.visitor_id)),
                  _same_day(column, at, RoutingRecord.visitor_id, RoutingRecord.decided_at,
                            RoutingRecord.rule_id == filters.rule_id, filters, window)]
    return where


def _same_day(column, at, visitor, when, fact, filters: Filters, window: Window):
    """A row of another table (`visitor`, `when`) with `fact` is about the visitor in
    `column`, on the local day of `at` (read through its visitor index, within a day)."""
    return exists().where(visitor == column, fact, when > plus_hours(at, -DAY_HOURS),
                          when < plus_hours(at, DAY_HOURS),
                          local_day(when, filters, window) == local_day(at, filters, window))


FACTS_NOTE = {"stream_id": "; stream: the visitor was in the stream that local day "
              "(offers: their decision's stream)",
              "rule_id": "; rule: the rule routed the visitor that local day "
              "(offers: their decision's rule)"}


def facts_note(filters: Filters) -> str:
    """What a stream or rule filter keeps of chats, messages and meetings, for the notes."""
    return "".join(note for name, note in FACTS_NOTE.items()
                   if getattr(filters, name) is not None)


# A rep's or a rule's visitors are listed in the query when there are this many or fewer.
MAX_LISTED = 5000


def _among(column, ids) -> tuple:
    """(`column IN ids`, whether they are listed). Few ids (a rule's visitors, a rep's
    visitor hours) are listed, so the database reads their rows through an index instead
    of scanning the whole window and probing the subquery (and each of a section's
    queries does not work the subquery out again). Measured on bench/reports.py's data
    (SQLite), a rep's visitors section went from 370 to ~60 ms over 30 days, and from 944
    to ~130 ms over 90 days."""
    listed = db.session.scalars(ids.limit(MAX_LISTED + 1)).all()
    if len(listed) > MAX_LISTED:
        return column.in_(ids), False
    return column.in_(listed), True


def routed(rule_id: int | None, between):
    """(rule_id, visitor_id, at) of each decision of the rule (None: of any rule) in a
    window (`between`: a time column -> the condition): a visitor is the rule's on the
    local day of `at`, live and in the daily rollups."""
    rule = RoutingRecord.rule_id
    return select(rule.label("rule_id"), RoutingRecord.visitor_id.label("visitor_id"),
                  RoutingRecord.decided_at.label("at")).where(
        rule.is_not(None) if rule_id is None else rule == rule_id,
        between(RoutingRecord.decided_at))
