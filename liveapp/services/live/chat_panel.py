"""The visitor detail's chat area (start button, who is chatting, the chat panel) and
keeping it live.

What a person sees depends on who they are: the rep who owns the open conversation gets
the panel with the send form and Close; an admin who is not the owner a read-only live
transcript; any other rep "Ann is already chatting with this visitor.". The detail page
listens to `visitor-<id>` on its viewer's own channel, so:
- a new message is appended (out-of-band) to `#chat-messages-<conversation id>` on the
  owner's channel and on the channels of the admins viewing the detail, and never on
  another rep's (they may not read the transcript);
- a claim or a close re-renders the chat area for the owner and for everyone viewing the
  detail, each for themselves;
- the visitor seeing the rep's messages puts "Seen" under them for the same readers as
  messages (read_state); the visitor's typing goes to the owner alone (live/typing.py).
Pushed fragments carry no CSRF field: it would be the wrong session's token, and htmx sends
the viewer's own token as a header (static/app.js).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select

from liveapp.extensions import db
from liveapp.infra import realtime
from liveapp.models import Conversation, Message, User
from liveapp.services.bus import changes
from liveapp.services.chat import chat_flow, conversations, read_state, transfers
from liveapp.services.chat.transfers import Transfer
from liveapp.services.live import viewers
from liveapp.services.live.boards import detail_event
from liveapp.services.live.rendering import render_template_anywhere

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChatArea:
    """The chat area of one visitor's detail, as one person sees it."""

    visitor_id: str
    viewer_id: int
    viewer_is_admin: bool
    conversation: Conversation | None  # the open one
    closed: Conversation | None = None  # just closed: its transcript stays on screen
    refused: str | None = None  # why a claim just failed
    # What the bot said and the visitor answered before a rep joined: ("bot" or
    # "visitor", text) pairs, in order.
    bot: tuple[tuple[str, str], ...] = ()
    transfer: Transfer | None = None  # the open conversation's, waiting for an answer

    @property
    def owner(self) -> bool:
        return self.conversation is not None and self.conversation.rep_id == self.viewer_id

    @property
    def shown(self) -> Conversation | None:
        """The transcript this person may read here, if any."""
        shown = self.conversation or self.closed
        if shown is not None and (shown.rep_id == self.viewer_id or self.viewer_is_admin):
            return shown
        return None

    @property
    def seen(self) -> bool:
        """Whether the visitor has seen the rep's last message of the open transcript."""
        shown = self.shown
        return shown is not None and shown.status == "open" and \
            read_state.seen_by_visitor(shown)

    @property
    def dom_id(self) -> str:
        return f"chat-{self.visitor_id}"


def area_for(user: User, visitor_id: str, closed: Conversation | None = None,
             refused: str | None = None,
             bot: tuple[tuple[str, str], ...] | None = None) -> ChatArea:
    """The chat area of this visitor's detail for this user (`bot`: the visitor's bot
    transcript, when the caller read it already)."""
    if bot is None:
        bot = tuple(chat_flow.transcript(visitor_id))
    conversation = conversations.open_conversation(visitor_id)
    transfer = transfers.pending(conversation.id) if conversation is not None else None
    return ChatArea(visitor_id, user.id, user.is_admin, conversation, closed, refused, bot,
                    transfer)


def render_area(area: ChatArea, pushed: bool = False, oob: bool = False) -> str:
    """The chat area fragment (board/_chat.html); `pushed` leaves out the CSRF fields,
    `oob` makes it an in-place out-of-band swap."""
    return render_template_anywhere("board/_chat.html", chat=area, pushed=pushed, oob=oob)


def render_message(message: Message) -> str:
    """One message as an out-of-band append to its conversation's message list
    (conversations/_message_append.html)."""
    return render_template_anywhere("conversations/_message_append.html", message=message)


# ---------------------------------------------------------------- live


def _admins(user_ids: list[int]) -> set[int]:
    if not user_ids:
        return set()
    return set(db.session.scalars(select(User.id).where(
        User.id.in_(user_ids), User.role == "admin")))


def transcript_readers(visitor_id: str, owner_id: int) -> list[int]:
    """Who gets a conversation's messages live: its owner and the admins viewing it."""
    watching = [i for i in viewers.current(visitor_id) if i != owner_id]
    return [owner_id, *sorted(_admins(watching))]


def message_added(visitor_id: str, message_id: int) -> None:
    """Append the message to the open chat panels that may show it."""
    message = db.session.get(Message, message_id)
    if message is None:
        return
    data = render_message(message)
    event = detail_event(visitor_id)
    realtime.send_many([(realtime.rep_channel(user_id), event, data) for user_id in
                        transcript_readers(visitor_id, message.conversation.rep_id)])


def seen_changed(visitor_id: str, conversation_id: int) -> None:
    """The visitor saw the rep's messages: "Seen" on the panels that show the transcript."""
    conversation = db.session.get(Conversation, conversation_id)
    if conversation is None or conversation.status != "open":
        return
    data = render_template_anywhere("conversations/_seen.html", conversation=conversation,
                                    seen=read_state.seen_by_visitor(conversation), oob=True)
    event = detail_event(visitor_id)
    realtime.send_many([(realtime.rep_channel(user_id), event, data) for user_id in
                        transcript_readers(visitor_id, conversation.rep_id)])


def status_changed(visitor_id: str, conversation_id: int, before: int | None = None) -> None:
    """A claim, a close or a hand-over: re-render the chat area for the owner, the rep
    who handed it over (`before`) and every viewer."""
    conversation = db.session.get(Conversation, conversation_id)
    if conversation is None:
        return
    closed = conversation if conversation.status == "closed" else None
    wanted = {conversation.rep_id, *viewers.current(visitor_id)} | (
        {before} if before is not None else set())
    users = db.session.scalars(select(User).where(User.id.in_(wanted)))
    event = detail_event(visitor_id)
    events = []
    bot = tuple(chat_flow.transcript(visitor_id))
    for user in users:
        area = area_for(user, visitor_id, closed=closed, bot=bot)
        events.append((realtime.rep_channel(user.id), event,
                       render_area(area, pushed=True, oob=True)))
    if events:
        realtime.send_many(events)


def on_change(change: changes.Change) -> None:
    """Subscriber: conversation changes reach the detail pages at once."""
    if change.kind != "conversation" or "conversation_id" not in change.data:
        return
    try:
        if change.data.get("message_id") is not None:
            message_added(change.visitor_id, change.data["message_id"])
        elif change.data.get("status") in ("open", "closed"):
            status_changed(change.visitor_id, change.data["conversation_id"],
                           change.data.get("transferred_from"))
        elif change.data.get("read_by") == "visitor":
            seen_changed(change.visitor_id, change.data["conversation_id"])
    except Exception:  # the message is stored; a live update must not fail its request
        log.exception("chat update failed for %s", change.visitor_id)
