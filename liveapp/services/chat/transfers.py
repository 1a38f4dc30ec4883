"""Transfers: a rep hands an open chat to another rep, or to a group, with a note.

A pending transfer (kept in Redis, see `transfer_store`) waits until its receiver accepts,
declines or lets it run out (`TRANSFER_TIMEOUT` seconds, then
`jobs.transfers.transfer_timeout`, a scheduled job). A transfer to a group goes as the
group says: First Available offers it to every member who may take a chat now, and the
first to accept takes it; Round Robin offers it to one member at a time, in the turn the
group's rotation gives, and a decline or a timeout moves it to the next.

Accepting holds the receiver's row and checks their chat limit as claiming does, then
moves the conversation with a conditional update (still open, still the sender's); the
transcript gets "Ann handed you to Bob" (a system message the visitor sees too), and the
"conversation" change updates cards, chat panels and the timeline. A refused or
timed-out transfer leaves the chat with the sender, who is told why.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import replace

from flask import current_app
from sqlalchemy import update

import jobs
from jobs import transfers as transfer_jobs
from liveapp.domain.routing.eligibility import ineligibility
from liveapp.errors import ConversationRefused, NotOffered
from liveapp.extensions import db, redis
from liveapp.models import Conversation, Group, Message, User
from liveapp.services.bus import changes
from liveapp.services.chat import conversations, transfer_store
from liveapp.services.chat.transfer_store import Transfer, offered_to, pending
from liveapp.services.live import transfer_prompts
from liveapp.services.reports import stale
from liveapp.services.routing import group_hours, reps, rotation, waiting_queue

__all__ = ["Transfer", "accept", "decline", "offered_to", "pending", "start", "timed_out"]

log = logging.getLogger(__name__)

MAX_NOTE = 500
MAX_REASON = 200
GRACE = 30  # seconds a pending transfer outlives its timeout, should its job be late


# ---------------------------------------------------------------- who receives it


def _clean(text: object, limit: int, what: str) -> str:
    value = text.strip() if isinstance(text, str) else ""
    if len(value) > limit:
        raise ConversationRefused(f"The {what} is at most {limit} characters.")
    return value


def parse_target(target: object) -> tuple[str, int]:
    """("rep" | "group", id) from a form's "rep:3" or "group:2"."""
    kind, _, number = (target if isinstance(target, str) else "").partition(":")
    if kind not in ("rep", "group") or not number.isdigit():
        raise ConversationRefused("Choose a rep or a group to transfer the chat to.")
    return kind, int(number)


def _reasons(users: list[User], now: float) -> dict[int, str | None]:
    """Per user id: why they cannot take a chat now (routing's words), or None."""
    found = {rep.id: rep for rep in reps.routing_reps(now)}
    reasons: dict[int, str | None] = {}
    for user in users:
        rep = found.get(user.id)
        skip = ineligibility(rep) if rep is not None else None
        reasons[user.id] = "is not a rep" if rep is None else (skip.text if skip else None)
    return reasons


def _rep_receiver(user_id: int, owner_id: int, now: float) -> tuple[str, list[int]]:
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        raise ConversationRefused("That rep does not exist.")
    if user.id == owner_id:
        raise ConversationRefused(f"{user.name} already has this chat.")
    why = _reasons([user], now)[user.id]
    if why is not None:
        raise ConversationRefused(f"{user.name} cannot take a chat now: {why}.")
    return user.name, [user.id]


def _able_members(group: Group, skip: set[int], now: float) -> tuple[list[int], str]:
    """The group's members (but `skip`) who may take a chat now, and why the others not."""
    members = [m for m in group.members if m.id not in skip]
    reasons = _reasons(members, now)
    said = "; ".join(f"{m.name} {reasons[m.id]}" for m in members if reasons[m.id])
    return [m.id for m in members if reasons[m.id] is None], said or "no other members"


def _next_turn(group: Group, able: list[int]) -> int:
    """The member whose turn it is, in the group's own rotation (shared by every worker)."""
    return rotation.advance(redis.client, redis.key("rotation", "group", group.id), able)


def _group_receivers(group_id: int, owner_id: int, now: float) -> tuple[str, list[int]]:
    group = db.session.get(Group, group_id)
    if group is None:
        raise ConversationRefused("That group does not exist.")
    closed = group_hours.closed_groups(now).get(group_id)
    if closed is not None:  # outside its business hours, as routing treats it
        raise ConversationRefused(f"{closed}: hand it to one of its reps instead.")
    able, said = _able_members(group, {owner_id}, now)
    if not able:
        raise ConversationRefused(f"Nobody in {group.name} can take a chat now ({said}).")
    if group.distribution == "round_robin":
        return group.name, [_next_turn(group, able)]
    return group.name, able


def _timeout() -> float:
    return float(current_app.config.get("TRANSFER_TIMEOUT", 60.0))


def _open(transfer: Transfer) -> bool:
    """Store the transfer, schedule its timeout and alert its receivers; False when
    another one is pending."""
    seconds = max(transfer.until - time.time(), 0.0)
    if not transfer_store.save(transfer, seconds + GRACE):
        return False
    jobs.enqueue(transfer_jobs.transfer_timeout, transfer.conversation_id, transfer.id,
                 delay=seconds)
    log.info("transfer %s offered to %s", transfer.id, list(transfer.offered_to),
             extra={"visitor_id": transfer.visitor_id, "user_id": transfer.from_rep})
    transfer_prompts.offer(transfer)
    return True


def start(conversation: Conversation, target: object, note: object,
          now: float | None = None) -> Transfer:
    """Offer the conversation to a rep or a group ("rep:<id>" / "group:<id>"), with a note.

    Raises:
        ConversationRefused: closed chat, bad target or note, nobody able to take it, or a
            transfer already pending; nothing is written then.
    """
    if conversation.status != "open":
        raise ConversationRefused("This conversation is closed.")
    note = _clean(note, MAX_NOTE, "note")
    kind, target_id = parse_target(target)
    now = time.time() if now is None else now
    if kind == "rep":
        (name, offered), group = _rep_receiver(target_id, conversation.rep_id, now), None
    else:
        name, offered = _group_receivers(target_id, conversation.rep_id, now)
        group = db.session.get(Group, target_id)
    if transfer_store.pending(conversation.id) is not None:
        raise ConversationRefused("A transfer of this chat is already waiting for an answer.")
    transfer = Transfer(
        uuid.uuid4().hex, conversation.id, conversation.visitor_id, conversation.rep_id,
        conversation.rep.name, name, tuple(offered), note, now + _timeout(),
        group.id if group is not None else None,
        group.distribution if group is not None else "first_available")
    if not _open(transfer):
        raise ConversationRefused("A transfer of this chat is already waiting for an answer.")
    return transfer


def _move_on(transfer: Transfer) -> bool:
    """A Round Robin group's member declined or let it run out: offer it to the next
    member (a new offer, with its own timeout); False when nobody is left."""
    group = db.session.get(Group, transfer.group_id) if transfer.group_id else None
    if group is None or transfer.mode != "round_robin":
        return False
    tried = (*transfer.tried, *transfer.offered_to)
    able, _ = _able_members(group, {transfer.from_rep, *tried}, time.time())
    if not able:
        return False
    return _open(replace(transfer, id=uuid.uuid4().hex, offered_to=(_next_turn(group, able),),
                         tried=tried, until=time.time() + _timeout()))


# ---------------------------------------------------------------- answering


def accept(conversation_id: int, rep: User) -> Conversation:
    """The rep takes the chat offered to them: exactly one receiver wins.

    Raises:
        NotOffered: not offered to them (any more).
        ConversationRefused: another receiver took it first, or they are at their limit.
    """
    transfer = pending(conversation_id)
    if transfer is None or rep.id not in offered_to(conversation_id):
        raise NotOffered("This transfer is no longer offered to you.")
    conversations.check_rep(rep)  # their row held until the commit: one claim at a time
    if not transfer_store.take(transfer, rep.id):
        db.session.rollback()
        winner = transfer_store.taken_by(conversation_id)
        raise ConversationRefused(f"{winner} accepted first." if winner else
                                  "This transfer is no longer offered to you.")
    transfer_store.mark_taken(conversation_id, rep.name)
    moved = db.session.execute(update(Conversation).where(
        Conversation.id == conversation_id, Conversation.status == "open",
        Conversation.rep_id == transfer.from_rep).values(rep_id=rep.id))
    if moved.rowcount != 1:
        db.session.rollback()
        transfer_store.mark_taken(conversation_id, None)
        transfer_prompts.withdraw(transfer, None)
        raise ConversationRefused("This chat was closed meanwhile.")
    message = Message(conversation_id=conversation_id, sender="system",
                      body=f"{transfer.from_name} handed you to {rep.name}")
    db.session.add(message)
    conversation = db.session.get(Conversation, conversation_id)
    stale.mark_stale([conversation.started_at])  # its chat counts for the new rep now
    db.session.commit()
    db.session.refresh(conversation)
    _handed_over(transfer, conversation, message, rep)
    return conversation


def _handed_over(transfer: Transfer, conversation: Conversation, message: Message,
                 rep: User) -> None:
    """After the commit: routing's claim, the bus, the widget, the prompts, capacity."""
    visitor_id = conversation.visitor_id
    log.info("transfer %s accepted", transfer.id,
             extra={"visitor_id": visitor_id, "user_id": rep.id})
    conversations.mark_claimed(visitor_id, rep.id)
    changes.publish(visitor_id, "conversation", conversation_id=conversation.id,
                    rep_id=rep.id, status="open", origin=conversation.origin,
                    transferred_from=transfer.from_rep)
    conversations.tell_visitor(visitor_id, "message", {
        "id": message.id, "sender": "system", "body": message.body,
        "at": message.sent_at.isoformat() + "Z"})
    conversations.tell_visitor(visitor_id, "conversation", {
        "id": conversation.id, "rep": rep.name, "status": "open"})
    transfer_prompts.withdraw(transfer, rep)
    transfer_prompts.tell_sender(transfer, f"{rep.name} accepted the chat.")
    waiting_queue.chat_closed(transfer.from_rep)  # a slot of the sender's came free


def decline(conversation_id: int, rep: User, reason: object) -> bool:
    """The rep turns the transfer down, saying why; the last to do so sends it back to its
    sender (a Round Robin group's next member first). False (nothing written) when it is
    not offered to them.

    Raises:
        ConversationRefused: the reason is too long.
    """
    reason = _clean(reason, MAX_REASON, "reason")
    transfer = pending(conversation_id)
    done = transfer_store.decline(transfer, rep.id) if transfer is not None else 0
    if not done:
        return False
    transfer_prompts.remove(transfer, rep.id)
    if done == 2 and not _move_on(transfer):
        transfer_prompts.tell_sender(
            transfer, f"{rep.name} declined{': ' + reason if reason else ''}. "
                      "The chat stays with you.")
    return True


def timed_out(conversation_id: int, transfer_id: str) -> bool:
    """Nobody answered in time: the next member of a Round Robin group, or back to the
    sender. A no-op once it was answered or moved on."""
    transfer = pending(conversation_id)
    if transfer is None or transfer.id != transfer_id or not transfer_store.take(transfer, None):
        return False
    transfer_prompts.withdraw(transfer, None)
    if not _move_on(transfer):
        transfer_prompts.tell_sender(
            transfer, f"{transfer.to_name} did not answer in time. The chat stays with you.")
    return True
