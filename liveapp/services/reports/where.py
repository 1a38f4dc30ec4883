"""Which rows a report reads: the filters as WHERE conditions on each history table, the
same narrowing for every figure (a rep filter keeps the visitor-days and decisions that
rep was offered, and the chats, messages and meetings that are theirs)."""

from __future__ import annotations

from sqlalchemy import func, select, tuple_

from liveapp.extensions import db
from liveapp.models.conversation import Conversation
from liveapp.models.history import Offer, RoutingRecord, RoutingSkip, VisitorHour
from liveapp.models.meeting import Meeting
from liveapp.models.visitor import Visitor
from liveapp.services.reports.filters import Filters
from liveapp.services.reports.scope import Window, dialect, local_day, rep_scope


def visitor_hours(filters: Filters, window: Window) -> list:
    """Visitor hours in the window; a rep or group filter keeps each visitor on the local
    days a rep in it was offered the visitor or chatted with them (`contacts`); a rule
    filter keeps the visitors it routed in the window."""
    where = []
    if filters.site_id is not None:
        where.append(VisitorHour.site_id == filters.site_id)
    if filters.stream_id is not None:
        where.append(VisitorHour.stream_id == filters.stream_id)
    listed = False
    if (reps := rep_scope(filters)) is not None:
        made = contacts(window.between, reps).subquery()
        days = select(made.c.visitor_id, local_day(made.c.at, filters, window)).distinct()
        condition, listed = _among(VisitorHour.visitor_id, select(made.c.visitor_id).distinct())
        where += [condition, tuple_(VisitorHour.visitor_id,
                                    local_day(VisitorHour.hour, filters, window)).in_(days)]
    if filters.rule_id is not None:
        condition, by_rule = _among(VisitorHour.visitor_id,
                                    _visitors_of_rule(filters.rule_id, window))
        where.append(condition)
        listed = listed or by_rule
    hour = VisitorHour.hour
    if listed and dialect() == "sqlite":
        # SQLite (no statistics) would rather scan the window's hours through their index
        # and probe the list; an expression it cannot index on makes it read the listed
        # visitors' rows through the visitor index instead.
        hour = func.coalesce(VisitorHour.hour, VisitorHour.hour)
    return [window.between(hour), *where]


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
            *visitor_facts(Conversation.visitor_id, filters, window),
            *_of_reps(Conversation.rep_id, filters)]


def meetings(filters: Filters, window: Window) -> list:
    """Meetings booked (not cancelled) in the window."""
    return [window.between(Meeting.created_at), Meeting.status == "booked",
            *visitor_facts(Meeting.visitor_id, filters, window),
            *_of_reps(Meeting.rep_id, filters)]


def _of_reps(column, filters: Filters) -> list:
    reps = rep_scope(filters)
    return [] if reps is None else [column.in_(reps)]


def visitor_facts(column, filters: Filters, window: Window) -> list:
    """Site: the visitor's; stream: the visitor was in it in the window; rule: it routed
    the visitor in the window."""
    where = []
    if filters.site_id is not None:
        where.append(column.in_(select(Visitor.id).where(Visitor.site_id == filters.site_id)))
    if filters.stream_id is not None:
        where.append(column.in_(select(VisitorHour.visitor_id).where(
            VisitorHour.stream_id == filters.stream_id, window.between(VisitorHour.hour))))
    if filters.rule_id is not None:
        where.append(column.in_(_visitors_of_rule(filters.rule_id, window)))
    return where


# A rep's or a rule's visitors are listed in the query when there are this many or fewer.
MAX_LISTED = 5000


def _among(column, visitors) -> tuple:
    """(`column IN visitors`, whether they are listed). Few visitors are listed by id, so
    the database reads their rows through the visitor index instead of scanning the whole
    window and probing the subquery. Measured on bench/reports.py's data (SQLite), a rep's
    visitors section went from 370 to ~60 ms over 30 days, and from 944 to ~130 ms over
    90 days."""
    ids = db.session.scalars(visitors.limit(MAX_LISTED + 1)).all()
    if len(ids) > MAX_LISTED:
        return column.in_(visitors), False
    return column.in_(ids), True


def _visitors_of_rule(rule_id: int, window: Window):
    return select(RoutingRecord.visitor_id).where(RoutingRecord.rule_id == rule_id,
                                                  window.between(RoutingRecord.decided_at))
