"""Erasure (GDPR): everything about one visitor, or every visitor with an email, goes:
their rows in every table that names them, the marketing record of the email, every
Redis key naming them (hot presence, membership, assignment, routing state, board
sent-state, cached cards, chat answers, viewers, ...), their members of shared sets,
their chats' pending transfers, the jobs of our queues naming them (waiting, scheduled,
finished or failed; a running one is left to end), their events still waiting in the
pipeline, and (SQLite) their words in the full-text index's data blocks; the reports'
rollup days that counted them are counted again (services/reports/stale.py). The audit line
says what was erased in counts and internal ids, never an email or a name."""

from __future__ import annotations

import logging

from rq.job import Job
from sqlalchemy import delete, func, select

from liveapp.errors import NothingToErase
from liveapp.extensions import QUEUE_NAMES, db, queue, redis
from liveapp.models import (
    Conversation,
    MarketingRecord,
    Meeting,
    Message,
    OfflineMessage,
    PageView,
    Visitor,
    VisitSession,
    offline_message_reps,
)
from liveapp.models.history import Offer, RoutingRecord, RoutingSkip, VisitorHour
from liveapp.services.chat import transcript_search, transfer_store
from liveapp.services.live import boards
from liveapp.services.reports import stale
from liveapp.services.tracking import pipeline

audit = logging.getLogger("liveapp.audit")


def visitors_with_email(email: str) -> list[str]:
    """The ids of the visitors whose email is `email` (case does not matter)."""
    query = select(Visitor.id).where(func.lower(Visitor.email) == email.strip().lower())
    return list(db.session.scalars(query.order_by(Visitor.id)))


def erase_visitor(visitor_id: str, by: str) -> dict[str, int]:
    """Erase one visitor; `by` says who asked, for the audit line (a user id, "cli")."""
    if db.session.get(Visitor, visitor_id) is None:
        raise NothingToErase("No visitor has this id.")
    return _erase([visitor_id], None, by)


def erase_email(email: str, by: str) -> dict[str, int]:
    """Erase every visitor with this email, and the email's marketing record."""
    ids = visitors_with_email(email)
    if not ids:
        raise NothingToErase("No visitor has this email.")
    return _erase(ids, email.strip().lower(), by)


def _erase(visitor_ids: list[str], email: str | None, by: str) -> dict[str, int]:
    chats = list(db.session.scalars(
        select(Conversation.id).where(Conversation.visitor_id.in_(visitor_ids))))
    counts = _delete_rows(visitor_ids, email)
    try:  # open boards drop their cards: a refresh finds no visitor any more
        boards.refresh_many(visitor_ids)
    finally:
        for conversation_id in chats:
            transfer_store.forget(conversation_id)
        counts["redis_keys"] = sum(_forget_in_redis(visitor_id) for visitor_id in visitor_ids)
        counts["jobs"] = _drop_jobs(set(visitor_ids))
    audit.info("erasure by %s: visitors %s; deleted %s", by, ",".join(visitor_ids),
               ", ".join(f"{n} {what}" for what, n in counts.items()))
    return counts


def _delete_rows(visitor_ids: list[str], email: str | None) -> dict[str, int]:
    """Every row naming the visitors, children first, in one transaction."""
    conversations = select(Conversation.id).where(Conversation.visitor_id.in_(visitor_ids))
    meetings = Meeting.visitor_id.in_(visitor_ids)
    if email:  # a meeting booked with the email from a visitor not (or no longer) known
        meetings = meetings | (func.lower(Meeting.email) == email)
    left = OfflineMessage.visitor_id.in_(visitor_ids)
    if email:  # a message left with the email, by a visitor not (or no longer) known
        left = left | (func.lower(OfflineMessage.email) == email)
    statements = {
        "offline_message_reps": delete(offline_message_reps).where(
            offline_message_reps.c.offline_message_id.in_(select(OfflineMessage.id).where(left))),
        "offline_messages": delete(OfflineMessage).where(left),
        "messages": delete(Message).where(Message.conversation_id.in_(conversations)),
        "conversations": delete(Conversation).where(Conversation.visitor_id.in_(visitor_ids)),
        "meetings": delete(Meeting).where(meetings),
        "offers": delete(Offer).where(Offer.visitor_id.in_(visitor_ids)),
        "routing_skips": delete(RoutingSkip).where(RoutingSkip.decision_id.in_(
            select(RoutingRecord.id).where(RoutingRecord.visitor_id.in_(visitor_ids)))),
        "routing_decisions": delete(RoutingRecord).where(
            RoutingRecord.visitor_id.in_(visitor_ids)),
        "visitor_hours": delete(VisitorHour).where(VisitorHour.visitor_id.in_(visitor_ids)),
        "page_views": delete(PageView).where(PageView.visitor_id.in_(visitor_ids)),
        "visit_sessions": delete(VisitSession).where(VisitSession.visitor_id.in_(visitor_ids)),
        "visitors": delete(Visitor).where(Visitor.id.in_(visitor_ids)),
    }
    if email:
        statements["marketing_records"] = delete(MarketingRecord).where(
            func.lower(MarketingRecord.email) == email)
    counts = {}
    try:  # the reports' days that counted them are counted again
        stale.mark_stale(stale.history_of(visitor_ids, meetings))
        for what, statement in statements.items():
            result = db.session.execute(statement,
                                        execution_options={"synchronize_session": False})
            counts[what] = result.rowcount
        if counts["messages"]:  # their words leave the full-text index too
            transcript_search.forget_deleted_words()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return counts


def _forget_in_redis(visitor_id: str) -> int:
    """Delete the keys naming the visitor, take every member or field naming them ("<id>"
    or a compound like "<id>|<user>") out of our shared sets, sorted sets and hashes, and
    drop their events from the pipeline's streams. Returns the keys deleted. SCANs the
    keyspace: erasure is rare, and no key may be missed."""
    client = redis.client
    naming = f"*{_glob_safe(visitor_id)}*"
    named = list(client.scan_iter(match=naming, count=1000))
    if named:
        client.delete(*named)
    ours = f"{_glob_safe(redis.key())}*"
    with client.pipeline(transaction=False) as pipe:
        for key in client.scan_iter(match=ours, count=1000, _type="zset"):
            if members := [m for m, _ in client.zscan_iter(key, match=naming, count=1000)]:
                pipe.zrem(key, *members)
        for key in client.scan_iter(match=ours, count=1000, _type="set"):
            if members := list(client.sscan_iter(key, match=naming, count=1000)):
                pipe.srem(key, *members)
        for key in client.scan_iter(match=ours, count=1000, _type="hash"):
            if fields := [f for f, _ in client.hscan_iter(key, match=naming, count=1000)]:
                pipe.hdel(key, *fields)
        pipe.execute()
    _drop_events(visitor_id)
    return len(named)


def _drop_jobs(visitor_ids: set[str]) -> int:
    """Delete our queues' jobs taking one of the visitors as an argument, but a running
    one; returns how many. Finished and failed jobs keep their arguments for days."""
    dropped = 0
    for name in QUEUE_NAMES:
        jobs = queue(name)
        ids = set(jobs.job_ids)
        for registry in (jobs.scheduled_job_registry, jobs.deferred_job_registry,
                         jobs.finished_job_registry, jobs.failed_job_registry):
            ids |= set(registry.get_job_ids())
        for job in Job.fetch_many(sorted(ids), connection=redis.client,
                                  serializer=jobs.serializer):
            if job is not None and visitor_ids & {str(arg) for arg in job.args}:
                job.delete()
                dropped += 1
    return dropped


def _drop_events(visitor_id: str) -> None:
    """The visitor's entries waiting in their shard's stream (or in the dead letters)."""
    for key in (pipeline.stream_key(pipeline.shard_of(visitor_id)), pipeline.dead_key()):
        theirs = [entry_id for entry_id, fields in redis.client.xrange(key)
                  if fields.get(b"v") == visitor_id.encode()]
        if theirs:
            redis.client.xack(key, pipeline.GROUP, *theirs)
            redis.client.xdel(key, *theirs)


def _glob_safe(text: str) -> str:
    """`text` as a literal in a Redis MATCH pattern."""
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)
