"""Read state: the newest message of a conversation the rep and the visitor have seen.

The rep's side makes the unread counts (visitor messages after it) on cards and in the
board's tab title; the visitor's side makes "Seen" under the rep's last message in the
rep's chat panel, and the rep's side "Seen" under the visitor's last message in the
widget. Both are message ids kept on the conversation, so they survive a reload; they
only grow (an older id posted late changes nothing). The clients say what was seen: the
chat panel while it is open and visible, the widget while it is open and visible.
"""

from __future__ import annotations

import json

from sqlalchemy import or_, select, update

from liveapp.errors import ConversationRefused
from liveapp.extensions import db
from liveapp.infra import realtime
from liveapp.models import Conversation, Message
from liveapp.services.bus import changes

SIDES = {"rep": Conversation.rep_read_id, "visitor": Conversation.visitor_read_id}


class BadRead(ValueError):
    """The message id posted is not one of this conversation's (nothing is written)."""


def _message_id(conversation: Conversation, value: object) -> int:
    """The posted id as one of this conversation's messages, or BadRead."""
    if isinstance(value, str) and value.isdigit() and len(value) < 12:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRead("message_id: must be the id of a message of this conversation")
    found = db.session.scalar(select(Message.id).where(
        Message.id == value, Message.conversation_id == conversation.id))
    if found is None:
        raise BadRead("message_id: must be the id of a message of this conversation")
    return found


def mark_read(conversation: Conversation, side: str, value: object) -> bool:
    """`side` ("rep" or "visitor") has seen the conversation up to the message `value`;
    returns whether that moved its read state (then the cards, the rep's panel and the
    widget hear of it).

    Raises:
        BadRead: `value` is not a message of this conversation.
        ConversationRefused: the conversation is closed.
    """
    if conversation.status != "open":
        raise ConversationRefused("This conversation is closed.")
    message_id = _message_id(conversation, value)
    column = SIDES[side]
    done = db.session.execute(update(Conversation).where(
        Conversation.id == conversation.id, or_(column.is_(None), column < message_id),
    ).values({column: message_id}))
    db.session.commit()
    if done.rowcount != 1:
        return False
    changes.publish(conversation.visitor_id, "conversation", conversation_id=conversation.id,
                    read_by=side, read_id=message_id)
    if side == "rep":  # the widget's "Seen" under the visitor's own messages
        realtime.send(realtime.visitor_channel(conversation.visitor_id), "read",
                      json.dumps({"rep_read_id": message_id}))
    return True


def last_rep_message_id(conversation: Conversation) -> int | None:
    """The rep's newest message in this conversation (what "Seen" goes under)."""
    return db.session.scalar(select(Message.id).where(
        Message.conversation_id == conversation.id, Message.sender == "rep",
    ).order_by(Message.id.desc()).limit(1))


def seen_by_visitor(conversation: Conversation) -> bool:
    """Whether the visitor has seen the rep's last message (False with none)."""
    last = last_rep_message_id(conversation)
    return last is not None and (conversation.visitor_read_id or 0) >= last
