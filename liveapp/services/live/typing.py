"""Typing indicators both ways, over the streams already open: the visitor's typing to
the chat panel of the rep who owns the conversation (an out-of-band fragment on the rep's
own channel), the rep's typing to the visitor's widget (a `typing` event on the visitor's
channel). Nothing is stored. The clients throttle (one signal per ~2 s while typing, and
"stopped" on send, blur or idle) and clear an indicator that hears nothing for a few
seconds; here each side of each conversation is rate-limited, so a script cannot flood
the other side's stream.
"""

from __future__ import annotations

import json

from liveapp.errors import ConversationRefused, RateLimited
from liveapp.infra import ratelimit, realtime
from liveapp.models import Conversation
from liveapp.services.live.boards import detail_event
from liveapp.services.live.rendering import render_template_anywhere

STATES = ("typing", "stopped")
LIMIT, WINDOW = 10, 10  # signals per side of a conversation, per seconds


class BadSignal(ValueError):
    """The posted state is not one of STATES (nothing is sent)."""


def _typing(state: object) -> bool:
    if state not in STATES:
        raise BadSignal('state: must be "typing" or "stopped"')
    return state == "typing"


def _check(conversation: Conversation, side: str) -> None:
    if conversation.status != "open":
        raise ConversationRefused("This conversation is closed.")
    if not ratelimit.allow(f"typing-{side}", str(conversation.id), LIMIT, WINDOW):
        raise RateLimited(side)


def from_visitor(conversation: Conversation, state: object) -> None:
    """The visitor is typing (or stopped): tell the owner's chat panel only.

    Raises:
        BadSignal: an unknown state. ConversationRefused: the chat is closed.
        RateLimited: too many signals from this side of the conversation.
    """
    typing = _typing(state)
    _check(conversation, "visitor")
    html = render_template_anywhere("conversations/_typing.html", conversation=conversation,
                                    typing=typing, oob=True)
    realtime.send(realtime.rep_channel(conversation.rep_id),
                  detail_event(conversation.visitor_id), html)


def from_rep(conversation: Conversation, state: object) -> None:
    """The rep is typing (or stopped): tell the visitor's widget (raises as `from_visitor`)."""
    typing = _typing(state)
    _check(conversation, "rep")
    realtime.send(realtime.visitor_channel(conversation.visitor_id), "typing",
                  json.dumps({"rep": conversation.rep.name, "typing": typing}))
