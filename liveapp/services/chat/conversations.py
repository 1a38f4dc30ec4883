"""Conversations: atomic claiming (exactly one rep wins), messages both ways, closing.

Claiming relies on the database: a partial unique index allows one open conversation
per visitor, so when several reps pounce or accept at once every insert but one fails,
whatever process or worker they went through. The winner becomes the assignment's
`claimed_by`, so the others' cards update at once.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from datetime import UTC

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from liveapp import metrics
from liveapp.domain import abandoned_chats
from liveapp.errors import ConversationRefused
from liveapp.extensions import db
from liveapp.infra import realtime
from liveapp.models import Conversation, Message, User, Visitor, utcnow
from liveapp.services.bus import changes, rows
from liveapp.services.chat import transcript_email
from liveapp.services.reports import stale
from liveapp.services.routing import assignments, records, waiting_queue
from liveapp.services.tracking import hot_state

log = logging.getLogger(__name__)

MAX_MESSAGE = 2000


def open_conversation(visitor_id: str) -> Conversation | None:
    return db.session.scalar(select(Conversation).where(
        Conversation.visitor_id == visitor_id, Conversation.status == "open"))


def open_chats(rep_id: int) -> int:
    return db.session.scalar(select(func.count(Conversation.id)).where(
        Conversation.rep_id == rep_id, Conversation.status == "open")) or 0


def hold_rep(rep: User) -> None:
    """Serialise this rep's claims until the commit, so that claims at once cannot all see
    room under the limit: PostgreSQL locks the rep's row; SQLite, which has no row locks,
    takes its one write lock with a write that changes nothing. The rep is then re-read,
    as an admin may have changed their limit meanwhile."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(update(User).where(User.id == rep.id).values(id=User.id))
    else:
        db.session.execute(select(User.id).where(User.id == rep.id).with_for_update())
    db.session.refresh(rep)


def check_rep(rep: User) -> None:
    hold_rep(rep)
    if not rep.is_chat_user or not rep.active:
        raise ConversationRefused("You are not set up to chat with visitors.")
    if open_chats(rep.id) >= rep.max_concurrent_chats:
        raise ConversationRefused(
            f"You already have {rep.max_concurrent_chats} open chats: close one first.")


def claim(visitor_id: str, rep: User, origin: str) -> Conversation:
    """Start (pounce) or accept (inbound) the visitor's conversation; exactly one rep wins.

    Raises:
        ConversationRefused: someone else is already chatting, or the rep is at capacity.
    """
    existing = open_conversation(visitor_id)
    if existing is not None:
        if existing.rep_id == rep.id:
            return existing  # a double click, or the same rep on two tabs
        metrics.claim_conflict()
        raise ConversationRefused(f"{existing.rep.name} is already chatting with this visitor.")
    check_rep(rep)
    conversation = Conversation(visitor_id=visitor_id, rep_id=rep.id, origin=origin,
                                started_at=utcnow())
    db.session.add(conversation)
    try:
        db.session.flush()  # the open-conversation index decides who claimed first
        records.mark_accepted(visitor_id, rep.id, conversation.started_at)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        metrics.claim_conflict()
        winner = open_conversation(visitor_id)
        name = winner.rep.name if winner is not None else "Another rep"
        raise ConversationRefused(f"{name} is already chatting with this visitor.") from None
    mark_claimed(visitor_id, rep.id)
    log.info("conversation %s claimed (%s)", conversation.id, origin,
             extra={"visitor_id": visitor_id, "user_id": rep.id})

    waiting_queue.claimed(visitor_id)
    changes.publish(visitor_id, "conversation", conversation_id=conversation.id,
                    rep_id=rep.id, status="open", origin=origin)
    tell_visitor(visitor_id, "conversation", {"id": conversation.id, "rep": rep.name,
                                               "status": "open"})
    return conversation


def tell_visitor(visitor_id: str, event: str, data: dict) -> None:
    """Push to the visitor's widget (its own channel; the widget escapes what it shows)."""
    realtime.send(realtime.visitor_channel(visitor_id), event, json.dumps(data))


def mark_claimed(visitor_id: str, rep_id: int | None) -> None:
    current = assignments.get(visitor_id)
    if current is None:
        current = assignments.Assignment(rule_name=None, mode=None)
    offered = [] if rep_id is not None else current.offered_to
    assignments.save(visitor_id, dataclasses.replace(
        current, claimed_by=rep_id, offered_to=offered, at=0.0))


def clean_body(body: object) -> str:
    """A message's text, stripped; refused when empty or too long."""
    text = body.strip() if isinstance(body, str) else ""
    if not text:
        raise ConversationRefused("Write a message first.")
    if len(text) > MAX_MESSAGE:
        raise ConversationRefused(f"A message is at most {MAX_MESSAGE} characters.")
    return text


def post(conversation: Conversation, sender: str, body: object,
         rep: User | None = None) -> Message:
    """Add a message from the visitor, the rep or the bot to an open conversation."""
    if conversation.status != "open":
        raise ConversationRefused("This conversation is closed.")
    message = Message(conversation_id=conversation.id, sender=sender, body=clean_body(body),
                      rep_id=rep.id if rep is not None else None)
    db.session.add(message)
    if sender in ("visitor", "rep"):  # may be the chat's first response, on its first day
        stale.mark_stale([conversation.started_at])
    # Kept loaded: nothing after the commit may need the database, or a database lost
    # just then would answer 503 for a message that is stored (and sent again).
    with rows.keeping_loaded():
        db.session.commit()
    db.session.expire(conversation, ["messages"])  # has one more (loaded when next read)
    changes.publish(conversation.visitor_id, "conversation", conversation_id=conversation.id,
                    message_id=message.id, sender=sender, body=message.body)
    tell_visitor(conversation.visitor_id, "message", {
        "id": message.id, "sender": sender, "body": message.body,
        "at": message.sent_at.isoformat() + "Z"})
    return message


def close(conversation: Conversation, note: str | None = None) -> bool:
    """Close the conversation, with `note` (from the system) last in its transcript; the
    rep's freed capacity goes to waiting visitors. One close wins, whoever else closes it
    at the same time (the rep, the abandoned-chat job); returns whether this one did."""
    done = db.session.execute(update(Conversation).where(
        Conversation.id == conversation.id, Conversation.status == "open",
    ).values(status="closed", closed_at=utcnow()))
    if done.rowcount != 1:
        db.session.rollback()
        return False
    if note:
        db.session.add(Message(conversation_id=conversation.id, sender="system", body=note))
    db.session.commit()
    db.session.refresh(conversation)
    mark_claimed(conversation.visitor_id, None)
    changes.publish(conversation.visitor_id, "conversation", conversation_id=conversation.id,
                    rep_id=conversation.rep_id, status="closed")
    tell_visitor(conversation.visitor_id, "conversation", {"id": conversation.id,
                                                            "status": "closed"})

    waiting_queue.chat_closed(conversation.rep_id)
    transcript_email.after_close(conversation)
    return True


def close_abandoned(now: float, close_after: float) -> list[int]:
    """Close every open conversation whose visitor has counted as left for `close_after`
    seconds, with a note saying so; returns the ids closed. A visitor who came back keeps
    the chat open. Safe to run twice, or beside a rep closing by hand."""
    closed = []
    for conversation in db.session.scalars(select(Conversation).where(
            Conversation.status == "open").order_by(Conversation.id)).all():
        hot = hot_state.load(conversation.visitor_id)
        last_seen = conversation.visitor.last_seen.replace(tzinfo=UTC).timestamp()
        gone = abandoned_chats.gone_for(hot.presence if hot else None, last_seen, now)
        if gone is not None and gone >= close_after and \
                close(conversation, abandoned_chats.closing_note(gone)):
            closed.append(conversation.id)
    return closed


def visitor_label(visitor: Visitor | None) -> str:
    if visitor is None:
        return "A visitor"
    return visitor.name or visitor.email or visitor.company_name or "Anonymous visitor"
