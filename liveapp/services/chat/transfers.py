"""Transfers: a rep hands an open chat to another rep, or to a group, with a note.

A pending transfer lives in Redis until its receiver accepts, declines or lets it run out
(`TRANSFER_TIMEOUT` seconds, then `jobs.transfers.transfer_timeout`, a scheduled job):

- ``transfer:<conversation id>`` (hash): ``id`` and ``data`` (the `Transfer` as JSON);
  one per conversation, written only when none is pending;
- ``transfer:<conversation id>:offered`` (set): the reps it is still offered to; a
  transfer to a group is offered to its members who may take a chat now, at once (First
  Available: groups have no distribution of their own), and the first to accept takes it;
- ``transfer:rep:<rep id>`` (set): conversation ids, for the prompts on a board's load.

Taking the pending transfer (accept, the last decline, the timeout) is one Lua step, so
exactly one of them wins. Accepting holds the receiver's row and checks their chat limit as
claiming does, then moves the conversation with a conditional update (still open, still
the sender's); the transcript gets "Ann handed you to Bob" (a system message the visitor
sees too), and the "conversation" change updates cards, chat panels and the timeline.
A refused or timed-out transfer leaves the chat with the sender, who is told why.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import asdict, dataclass

from flask import current_app
from redis.commands.core import Script
from sqlalchemy import update

import jobs
from jobs import transfers as transfer_jobs
from liveapp.domain.routing.eligibility import ineligibility
from liveapp.errors import ConversationRefused, NotOffered
from liveapp.extensions import db, redis
from liveapp.models import Conversation, Group, Message, User
from liveapp.services.bus import changes
from liveapp.services.chat import conversations
from liveapp.services.live import transfer_prompts
from liveapp.services.routing import reps, waiting_queue

log = logging.getLogger(__name__)

MAX_NOTE = 500
MAX_REASON = 200
GRACE = 30  # seconds a pending transfer outlives its timeout, should its job be late

# KEYS: transfer, offered, rep index prefix. ARGV: id, data, ttl, conversation id, reps.
_START = Script(None, b"""
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'data', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
for i = 5, #ARGV do
  redis.call('SADD', KEYS[2], ARGV[i])
  redis.call('SADD', KEYS[3] .. ARGV[i], ARGV[4])
  redis.call('EXPIRE', KEYS[3] .. ARGV[i], ARGV[3])
end
redis.call('EXPIRE', KEYS[2], ARGV[3])
return 1
""")

# KEYS: transfer, offered. ARGV: id, rep ('' for any: the timeout). Takes it whole.
_TAKE = Script(None, b"""
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return 0 end
if ARGV[2] ~= '' and redis.call('SISMEMBER', KEYS[2], ARGV[2]) == 0 then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
return 1
""")

# KEYS: transfer, offered. ARGV: id, rep. 0: not offered to them; 1: still offered to
# others; 2: that was the last one, the transfer is over.
_DECLINE = Script(None, b"""
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return 0 end
if redis.call('SREM', KEYS[2], ARGV[2]) == 0 then return 0 end
if redis.call('SCARD', KEYS[2]) > 0 then return 1 end
redis.call('DEL', KEYS[1], KEYS[2])
return 2
""")


@dataclass(frozen=True)
class Transfer:
    """A chat handed over and not yet answered."""

    id: str
    conversation_id: int
    visitor_id: str
    from_rep: int
    from_name: str
    to_name: str  # the rep's name, or the group's
    offered_to: tuple[int, ...]
    note: str
    until: float
    group_id: int | None = None

    @classmethod
    def from_json(cls, raw: bytes | str) -> Transfer:
        data = json.loads(raw)
        data["offered_to"] = tuple(data["offered_to"])
        return cls(**data)


def _key(conversation_id: int) -> str:
    return redis.key("transfer", conversation_id)


def _offered_key(conversation_id: int) -> str:
    return redis.key("transfer", conversation_id, "offered")


def _rep_key(rep_id: int | str) -> str:
    return redis.key("transfer", "rep", rep_id)


def pending(conversation_id: int) -> Transfer | None:
    """The conversation's pending transfer, if any."""
    raw = redis.client.hget(_key(conversation_id), "data")
    return Transfer.from_json(raw) if raw else None


def offered_to(conversation_id: int) -> set[int]:
    return {int(m) for m in redis.client.smembers(_offered_key(conversation_id))}


def prompts_for(rep_id: int) -> list[Transfer]:
    """The transfers offered to this rep now (their board's prompts), newest first."""
    found, stale = [], []
    for member in redis.client.smembers(_rep_key(rep_id)):
        transfer = pending(int(member))
        if transfer is not None and rep_id in offered_to(transfer.conversation_id):
            found.append(transfer)
        else:
            stale.append(member)
    if stale:
        redis.client.srem(_rep_key(rep_id), *stale)
    return sorted(found, key=lambda t: t.until, reverse=True)


# ---------------------------------------------------------------- starting


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


def _why_not(user_id: int, now: float) -> str | None:
    """Why this user cannot take a chat now (routing's words), or None."""
    [rep] = [r for r in reps.routing_reps(now) if r.id == user_id] or [None]
    if rep is None:
        return "is not a rep"
    skip = ineligibility(rep)
    return skip.text if skip is not None else None


def receivers(kind: str, target_id: int, owner_id: int,
              now: float | None = None) -> tuple[str, list[int], int | None]:
    """(the receiver's name, the reps to offer it to, the group's id) for a transfer of
    `owner_id`'s chat; refused, with why, when nobody there can take it now."""
    now = time.time() if now is None else now
    if kind == "rep":
        user = db.session.get(User, target_id)
        if user is None or not user.active:
            raise ConversationRefused("That rep does not exist.")
        if user.id == owner_id:
            raise ConversationRefused(f"{user.name} already has this chat.")
        why = _why_not(user.id, now)
        if why is not None:
            raise ConversationRefused(f"{user.name} cannot take a chat now: {why}.")
        return user.name, [user.id], None
    group = db.session.get(Group, target_id)
    if group is None:
        raise ConversationRefused("That group does not exist.")
    members = [m for m in group.members if m.id != owner_id]
    reasons = {m.name: _why_not(m.id, now) for m in members}
    able = [m.id for m in members if reasons[m.name] is None]
    if not able:
        said = "; ".join(f"{name} {why}" for name, why in reasons.items()) or "no other members"
        raise ConversationRefused(f"Nobody in {group.name} can take a chat now ({said}).")
    return group.name, able, group.id


def _timeout() -> float:
    return float(current_app.config.get("TRANSFER_TIMEOUT", 60.0))


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
    name, offered, group_id = receivers(kind, target_id, conversation.rep_id, now)
    now = time.time() if now is None else now
    seconds = _timeout()
    transfer = Transfer(uuid.uuid4().hex, conversation.id, conversation.visitor_id,
                        conversation.rep_id, conversation.rep.name, name, tuple(offered),
                        note, now + seconds, group_id)
    started = _START(keys=[_key(conversation.id), _offered_key(conversation.id), _rep_key("")],
                     args=[transfer.id, json.dumps(asdict(transfer)), int(seconds + GRACE),
                           conversation.id, *offered], client=redis.client)
    if not started:
        raise ConversationRefused("A transfer of this chat is already waiting for an answer.")
    jobs.enqueue(transfer_jobs.transfer_timeout, conversation.id, transfer.id, delay=seconds)
    log.info("transfer %s offered to %s", transfer.id, offered,
             extra={"visitor_id": conversation.visitor_id, "user_id": conversation.rep_id})
    transfer_prompts.offer(transfer)
    return transfer


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
    if not _take(transfer, rep.id):
        db.session.rollback()
        raise ConversationRefused(_gone(conversation_id))
    redis.client.set(_taken_key(conversation_id), rep.name, ex=60)
    moved = db.session.execute(update(Conversation).where(
        Conversation.id == conversation_id, Conversation.status == "open",
        Conversation.rep_id == transfer.from_rep).values(rep_id=rep.id))
    if moved.rowcount != 1:
        db.session.rollback()
        redis.client.delete(_taken_key(conversation_id))
        transfer_prompts.withdraw(transfer, None)
        raise ConversationRefused("This chat was closed meanwhile.")
    message = Message(conversation_id=conversation_id, sender="system",
                      body=f"{transfer.from_name} handed you to {rep.name}")
    db.session.add(message)
    db.session.commit()
    conversation = db.session.get(Conversation, conversation_id)
    db.session.refresh(conversation)
    _handed_over(transfer, conversation, message, rep)
    return conversation


def _gone(conversation_id: int) -> str:
    """Why a transfer cannot be accepted: someone took it first, or it is over."""
    winner = redis.client.get(_taken_key(conversation_id))
    if winner:
        return f"{winner.decode()} accepted first."
    return "This transfer is no longer offered to you."


def _taken_key(conversation_id: int) -> str:
    """Who accepted the last transfer, kept a minute for the receivers who lost the race."""
    return redis.key("transfer", conversation_id, "taken")


def _take(transfer: Transfer, rep_id: int | None) -> bool:
    taken = bool(_TAKE(keys=[_key(transfer.conversation_id),
                             _offered_key(transfer.conversation_id)],
                       args=[transfer.id, "" if rep_id is None else str(rep_id)],
                       client=redis.client))
    if taken:
        pipe = redis.client.pipeline(transaction=False)
        for member in transfer.offered_to:
            pipe.srem(_rep_key(member), transfer.conversation_id)
        pipe.execute()
    return taken


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
    sender. False (nothing written) when it is not offered to them.

    Raises:
        ConversationRefused: the reason is too long.
    """
    reason = _clean(reason, MAX_REASON, "reason")
    transfer = pending(conversation_id)
    if transfer is None:
        return False
    done = _DECLINE(keys=[_key(conversation_id), _offered_key(conversation_id)],
                    args=[transfer.id, str(rep.id)], client=redis.client)
    if not done:
        return False
    redis.client.srem(_rep_key(rep.id), conversation_id)
    transfer_prompts.remove(transfer, rep.id)
    if done == 2:
        transfer_prompts.tell_sender(
            transfer, f"{rep.name} declined{': ' + reason if reason else ''}. "
                      "The chat stays with you.")
    return True


def timed_out(conversation_id: int, transfer_id: str) -> bool:
    """Nobody answered in time: back to the sender. A no-op once it was answered."""
    transfer = pending(conversation_id)
    if transfer is None or transfer.id != transfer_id or not _take(transfer, None):
        return False
    transfer_prompts.withdraw(transfer, None)
    transfer_prompts.tell_sender(
        transfer, f"{transfer.to_name} did not answer in time. The chat stays with you.")
    return True
