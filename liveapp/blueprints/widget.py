"""The chat widget's public API: a visitor reads and writes only its own conversation,
proven by the signed token the events API hands out. `/t/v1/chat…`"""

from __future__ import annotations

from flask import Blueprint, current_app, request

from liveapp.blueprints.tracking import _error, _json, preflight
from liveapp.domain.channels import visitor_channel
from liveapp.domain.text import NUL_REFUSED, nul_field
from liveapp.errors import BookingRefused, ConversationRefused, OfflineMessageRefused, RateLimited
from liveapp.extensions import csrf, db
from liveapp.infra import ratelimit
from liveapp.models import Conversation, Visitor
from liveapp.services.chat import chat_flow, conversations, meetings, offline_messages, read_state
from liveapp.services.chat.tokens import verify_visitor_token
from liveapp.services.live import typing as live_typing
from liveapp.services.routing import queue_places, router, waiting_queue
from liveapp.services.settings import sites
from liveapp.services.tracking import hot_state
from liveapp.web import client_ip

bp = Blueprint("widget", __name__, url_prefix="/t/v1/chat")
csrf.exempt(bp)

MAX_BODY = 16 * 1024  # 2000 characters of any script, JSON-escaped, and the token

bp.add_url_rule("/messages", "preflight_messages", preflight, methods=["OPTIONS"])
bp.add_url_rule("/request", "preflight_request", preflight, methods=["OPTIONS"])
bp.add_url_rule("/answer", "preflight_answer", preflight, methods=["OPTIONS"])
bp.add_url_rule("/typing", "preflight_typing", preflight, methods=["OPTIONS"])
bp.add_url_rule("/read", "preflight_read", preflight, methods=["OPTIONS"])


def _origin() -> str | None:
    origin = request.headers.get("Origin")
    return origin if origin and sites.origin_allowed_anywhere(origin) else None


def _visitor(token: object) -> Visitor | None:
    visitor_id = verify_visitor_token(token) if isinstance(token, str) else None
    return db.session.get(Visitor, visitor_id) if visitor_id else None


def _payload() -> dict | None:
    if (request.content_length or 0) > MAX_BODY:
        return None
    try:
        data = request.get_json(silent=True, force=True)
    except RecursionError:  # nested deeper than the JSON decoder goes: not ours
        return None
    return data if isinstance(data, dict) else None


class _Refused(Exception):
    """Answer the widget with this status and `{"error": message}` (CORS included)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@bp.errorhandler(_Refused)
def _refused(refused: _Refused):
    return _error(refused.status, str(refused), _origin())


def _reader() -> str:
    """The id of the visitor whose token is in the query string (GET), or 403. A visitor
    the events API accepted (in hot presence) whom `liveapp pipeline` has not recorded
    yet is let in: their widget loads right after the 202, often before the processor."""
    token = request.args.get("token")
    visitor_id = verify_visitor_token(token) if isinstance(token, str) else None
    if visitor_id is None:
        raise _Refused(403, "token: not valid")
    if db.session.get(Visitor, visitor_id) is None and hot_state.load(visitor_id) is None:
        raise _Refused(403, "token: not valid")
    return visitor_id


def _posted(budget: str = "chat") -> tuple[Visitor, dict]:
    """The visitor whose token is in the JSON body, and the body; 400 or 403 otherwise.
    `budget` "chat" counts the request against the chat writes' limits; typing signals
    and read marks, sent far more often, have limits of their own."""
    data = _payload()
    if data is None:
        raise _Refused(400, f"body: must be a JSON object of at most {MAX_BODY // 1024} KB")
    refused = nul_field(data)
    if refused is not None:
        raise _Refused(400, f"{refused}: {NUL_REFUSED}")
    visitor = _visitor(data.get("token"))
    if visitor is None:
        raise _Refused(403, "token: not valid")
    # Answers, messages, chat requests and bookings together, per minute: per visitor,
    # and per address for many visitors behind one (config CHAT_VISITOR/IP_LIMIT).
    config = current_app.config
    if budget == "chat" and not (
            ratelimit.allow("chat-visitor", visitor.id, config["CHAT_VISITOR_LIMIT"], 60)
            and ratelimit.allow("chat-address", client_ip(), config["CHAT_IP_LIMIT"], 60)):
        raise _Refused(429, "Too many requests; slow down.")
    return visitor, data


def _transcript(visitor_id: str) -> dict:
    conversation = conversations.open_conversation(visitor_id)
    if conversation is None:
        return {"conversation": None, "messages": []}
    return {
        "conversation": {"id": conversation.id, "rep": conversation.rep.name,
                         "status": conversation.status,
                         "rep_read_id": conversation.rep_read_id,
                         "visitor_read_id": conversation.visitor_read_id},
        "messages": [{"id": m.id, "sender": m.sender, "body": m.body,
                      "at": m.sent_at.isoformat() + "Z"} for m in conversation.messages],
    }


def _flow(visitor_id: str) -> dict:
    """The visitor's experience, answers and where its flow is (path, asking, can_request)."""
    state = chat_flow.state_of(visitor_id)
    experience = state.experience
    return {
        "experience": {"id": experience.id, "name": experience.name,
                       "steps": experience.flow, "invitation": experience.invitation}
        if experience is not None else None,
        "answers": state.answers,
        "flow": state.progress.to_dict() if state.progress is not None else None,
        "requested": state.requested,
    }


@bp.get("")
def read():
    """The visitor's open conversation and its messages, their status and the flow of
    the experience they receive with their answers (JSON; the widget escapes them). A
    visitor not recorded yet gets the same answer empty: no experience until `liveapp
    pipeline` records them (then an `experience` nudge on their channel, see chat_flow).
    `channel` is the visitor's live channel, for the widget to subscribe to with its
    token: the widget holds the cookie's id, not the internal one, and cannot name it."""
    visitor_id = _reader()
    place = queue_places.place_of(visitor_id)
    return _json(200, {**_transcript(visitor_id), "status": chat_flow.status_of(visitor_id),
                       **_flow(visitor_id), "channel": visitor_channel(visitor_id),
                       "queue": place.to_dict() if place is not None else None},
                 _origin())


@bp.post("/answer")
def answer():
    """The visitor clicked a button or answered a question of their flow."""
    visitor, data = _posted()

    try:
        chat_flow.answer(visitor, data.get("step"), data.get("value"))
    except chat_flow.BadAnswer as bad:
        return _error(400, str(bad), _origin())
    except RateLimited:
        return _error(429, "Too many events; slow down.", _origin())
    flow = _flow(visitor.id)
    return _json(200, {"answers": flow["answers"], "flow": flow["flow"]}, _origin())


@bp.post("/messages")
def write():
    """A message from the visitor into its open conversation."""
    visitor, data = _posted()
    conversation = conversations.open_conversation(visitor.id)
    if conversation is None:
        return _error(409, "conversation: nobody is chatting with you yet", _origin())
    try:
        message = conversations.post(conversation, "visitor", data.get("body"))
    except ConversationRefused as refused:
        return _error(400, f"body: {refused}", _origin())
    return _json(201, {"id": message.id}, _origin())


def _chatting(visitor: Visitor) -> Conversation:
    conversation = conversations.open_conversation(visitor.id)
    if conversation is None:
        raise _Refused(409, "conversation: nobody is chatting with you yet")
    return conversation


@bp.post("/typing")
def typing():
    """The visitor is typing, or stopped (`{token, state: "typing"|"stopped"}`): the rep's
    chat panel shows it. The widget throttles; each side is rate-limited (live/typing.py)."""
    visitor, data = _posted(budget="typing")
    conversation = _chatting(visitor)
    try:
        live_typing.from_visitor(conversation, data.get("state"))
    except live_typing.BadSignal as bad:
        return _error(400, str(bad), _origin())
    except RateLimited:
        return _error(429, "Too many typing signals; slow down.", _origin())
    return _json(200, {"state": data["state"]}, _origin())


READ_LIMIT = 60  # read marks per visitor per minute: one per rep message seen, at most


@bp.post("/read")
def mark_read():
    """The visitor has seen their conversation up to `message_id` (`{token, message_id}`,
    sent while the widget is open and visible): "Seen" in the rep's panel."""
    visitor, data = _posted(budget="read")
    conversation = _chatting(visitor)
    if not ratelimit.allow("chat-read", visitor.id, READ_LIMIT, 60):
        return _error(429, "Too many requests; slow down.", _origin())
    try:
        read_state.mark_read(conversation, "visitor", data.get("message_id"))
    except read_state.BadRead as bad:
        return _error(400, str(bad), _origin())
    return _json(200, {"visitor_read_id": conversation.visitor_read_id}, _origin())


@bp.post("/request")
def ask():
    """The visitor asks to talk now (Route for Inbound Chat): route it as inbound. Only a
    flow that reached that step may ask (409 otherwise, nothing written): "Just browsing"
    and visitors with no experience alert nobody."""
    visitor, _ = _posted()

    if not chat_flow.may_request(visitor.id):
        return _error(409, "flow: your chat has not reached Route for Inbound Chat", _origin())
    router.request_inbound(visitor.id)
    chat_flow.mark_requested(visitor.id)
    return _json(202, {"status": "routing"}, _origin())


bp.add_url_rule("/booker", "preflight_booker", preflight, methods=["OPTIONS"])


@bp.post("/booker")
def choose_booker():
    """The visitor waiting in the queue would rather book a meeting: they leave the queue
    for the meeting booker (409, nothing changed, when they are not waiting in it)."""
    visitor, _ = _posted()
    if not waiting_queue.choose_booker(visitor.id):
        return _error(409, "booker: you are not waiting in the queue", _origin())
    return _json(202, {"status": "booker"}, _origin())


# ---------------------------------------------------------------- meeting booker
# (the meetings piece: the booker's free slots and booking one; see services/chat/meetings.py)

bp.add_url_rule("/slots", "preflight_slots", preflight, methods=["OPTIONS"])
bp.add_url_rule("/meetings", "preflight_meetings", preflight, methods=["OPTIONS"])


@bp.get("/slots")
def slots():
    """The meeting booker: whose calendar and its free slots (UTC), when it is offered."""
    visitor_id = _reader()
    try:
        booker = meetings.booker_for(visitor_id)
    except BookingRefused as refused:
        return _error(refused.status, str(refused), _origin())
    booked = meetings.upcoming_for_visitor(visitor_id)
    return _json(200, {
        "rep": booker.rep.name if booker.rep else None,
        "time_zone": booker.rep.time_zone if booker.rep else None,
        "slots": [meetings.iso(s) for s in booker.slots],
        "meeting": meetings.to_json(booked) if booked else None,
    }, _origin())


@bp.post("/meetings")
def book_meeting():
    """Book one of the free slots: {token, start, email?, note?}."""
    visitor, data = _posted()
    try:
        meeting = meetings.book(visitor, data.get("start"), data.get("email"), data.get("note"))
    except BookingRefused as refused:
        return _error(refused.status, str(refused), _origin())
    return _json(201, {"meeting": meetings.to_json(meeting)}, _origin())


# ---------------------------------------------------------------- offline messages
# (nobody can chat: the visitor leaves a message and their email; services/chat/offline_messages.py)

bp.add_url_rule("/offline", "preflight_offline", preflight, methods=["OPTIONS"])
OFFLINE_PER_HOUR = 5  # per visitor, beside the widget's per-minute limits


@bp.post("/offline")
def leave_offline_message():
    """Leave a message for the team: {token, email, body}. 400 naming the field, 409
    while a rep is chatting with the visitor; nothing written then."""
    visitor, data = _posted()
    if not ratelimit.allow("offline-visitor", visitor.id, OFFLINE_PER_HOUR, 3600):
        return _error(429, "Too many messages; try again later.", _origin())
    try:
        message = offline_messages.leave(visitor, data.get("email"), data.get("body"))
    except OfflineMessageRefused as refused:
        return _error(refused.status, str(refused), _origin())
    return _json(201, {"id": message.id, "email": message.email}, _origin())
