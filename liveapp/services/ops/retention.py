"""Data retention: page views, visits, closed conversations (with their messages, read
state and transfer notes), offline messages and the reports' history (offers, routing
decisions with their skips, visitor hours, the daily rollups) older than RETENTION_DAYS
are deleted, in
batches of ids, each batch its own short transaction, so the tables stay writable for
the pipeline and the web meanwhile."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select

from liveapp.extensions import db
from liveapp.models import (
    Conversation,
    Message,
    OfflineMessage,
    PageView,
    VisitSession,
    offline_message_reps,
)
from liveapp.models.history import Offer, RoutingRecord, RoutingSkip, VisitorHour
from liveapp.models.report_days import ROLLUPS, ReportDayBuilt
from liveapp.models.user import utcnow
from liveapp.services.reports import stale

audit = logging.getLogger("liveapp.audit")

BATCH = 1000  # ids per DELETE statement (and per transaction)


def cutoff(now: datetime | None = None) -> datetime:
    """What is older than this (naive UTC, as stored) has outlived the retention period."""
    return (now or utcnow()) - timedelta(days=current_app.config["RETENTION_DAYS"])


def delete_expired(now: datetime | None = None, batch: int = BATCH) -> dict[str, int]:
    """Delete what is older than the cut-off; returns the rows deleted, per table."""
    before = cutoff(now)
    counts = {
        "page_views": _delete_batches(
            select(PageView.id).where(PageView.at < before), [PageView.id], batch),
        # A visit ended before the cut-off: its page views were all older still.
        "visit_sessions": _delete_batches(
            select(VisitSession.id).where(VisitSession.ended_at < before),
            [PageView.session_id, VisitSession.id], batch),
        "conversations": _delete_batches(
            select(Conversation.id).where(Conversation.status == "closed",
                                          Conversation.closed_at < before),
            [Message.conversation_id, Conversation.id], batch),
        # What a visitor left when nobody could chat: their email and words.
        "offline_messages": _delete_batches(
            select(OfflineMessage.id).where(OfflineMessage.created_at < before),
            [offline_message_reps.c.offline_message_id, OfflineMessage.id], batch),
        "offers": _delete_batches(
            select(Offer.id).where(Offer.offered_at < before), [Offer.id], batch),
        "routing_decisions": _delete_batches(
            select(RoutingRecord.id).where(RoutingRecord.decided_at < before),
            [RoutingSkip.decision_id, Offer.decision_id, RoutingRecord.id], batch),
        # An hour whose end is past the cut-off: all of it is older.
        "visitor_hours": _delete_batches(
            select(VisitorHour.id).where(VisitorHour.hour <= before - timedelta(hours=1)),
            [VisitorHour.id], batch),
        # Counts per local day (no person in them): the days before the cut-off's.
        "report_days": _delete_days(before),
    }
    if any(counts.values()):
        audit.info("retention: deleted %s older than %s days", _counts(counts),
                   current_app.config["RETENTION_DAYS"])
    return counts


def _delete_days(before: datetime) -> int:
    """Delete the reports' daily rollups of days before `before`'s (a few rows a day);
    the days it cuts through are counted again (services/reports/stale.py)."""
    deleted = 0
    for model in (*ROLLUPS, ReportDayBuilt):
        deleted += db.session.execute(delete(model).where(model.day < before.date()),
                                      execution_options={"synchronize_session": False}
                                      ).rowcount
    stale.mark_stale([before])
    db.session.commit()
    return deleted


def _delete_batches(ids_query, columns: list, batch: int) -> int:
    """Delete, `batch` ids at a time, the rows `ids_query` names: each column of
    `columns` (children first) names them; one short transaction per batch."""
    deleted = 0
    while True:
        ids = db.session.scalars(ids_query.limit(batch)).all()
        if not ids:
            return deleted
        for column in columns:
            db.session.execute(delete(column.table).where(column.in_(ids)),
                               execution_options={"synchronize_session": False})
        db.session.commit()
        deleted += len(ids)


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {table}" for table, n in counts.items())
