"""Server-sent events: `/events/stream?channel=...`, authorised before streaming.

Built on flask-sse's blueprint; `messages()` reads from the process's shared subscriber
(liveapp.infra.fanout) instead of one Redis connection per client. One stream may carry
up to three channels (`?channel=rep:1&channel=admin`), so an admin board needs one
connection, not two (browsers allow six per site over HTTP/1.1).

A board connects with htmx's SSE extension:
`<div hx-ext="sse" sse-connect="{{ url_for('events.stream', channel=channel) }}">`. When
the browser reconnects by itself it sends Last-Event-ID and the first event is `resync`
(`hx-trigger="sse:resync"` re-fetches the columns); the shared subscriber also sends
`resync` after losing Redis. The extension opens a *new* EventSource after a refused
reconnect (no Last-Event-ID then), so the board should also re-fetch on any
`htmx:sseOpen` after the first.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator

from flask import abort, current_app, request, stream_with_context
from flask_login import current_user
from flask_sse import ServerSentEventsBlueprint
from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from liveapp import metrics
from liveapp.domain.channels import (
    Decision,
    Subscriber,
    is_visitor_channel,
    may_subscribe_all,
    rep_id_of,
)
from liveapp.extensions import db, redis
from liveapp.infra import realtime
from liveapp.infra.fanout import RESYNC_FRAME, hub_for
from liveapp.models import User
from liveapp.services.chat.tokens import verify_visitor_token
from liveapp.services.routing import board_presence, waiting_queue
from liveapp.services.settings import sites

log = logging.getLogger(__name__)

PING_INTERVAL = 15.0  # seconds; keeps proxies from timing out and refreshes presence
PING_FRAME = ": ping\n\n"
READY_TIMEOUT = 5.0


class LiveEventsBlueprint(ServerSentEventsBlueprint):
    """flask-sse's blueprint on our Redis client, prefix and shared subscriber."""

    @property
    def redis(self):
        return redis.client  # flask-sse would build a new client on every access

    def publish(self, data, type=None, id=None, retry=None, channel="sse"):
        text = data if isinstance(data, str) else json.dumps(data)
        return realtime.send(channel, type or "message", text, id=id)

    def messages(
        self, channel: str | list[str] = "sse", ping_interval: float = PING_INTERVAL
    ) -> Iterator[str]:
        """SSE frames for one or more channels: an opening comment once subscribed, then
        events (formatted once per process) and a ping comment every `ping_interval`
        seconds. Ends when the client fell too far behind."""
        channels = [channel] if isinstance(channel, str) else channel
        hub = hub_for(current_app)
        listener = hub.subscribe(*(realtime.redis_channel(c) for c in channels))
        try:
            hub.wait_ready(READY_TIMEOUT)
            yield _opening_frame()
            next_ping = time.monotonic() + ping_interval
            while not (listener.dropped and listener.frames.empty()):
                frame = listener.get(timeout=next_ping - time.monotonic())
                if frame is None or time.monotonic() >= next_ping:
                    next_ping = time.monotonic() + ping_interval
                    yield PING_FRAME
                if frame is not None:
                    yield frame
        finally:
            hub.unsubscribe(listener)

    def stream(self):
        """The event stream of an (already authorised) channel."""
        channels = request.args.getlist("channel")
        presence_of = _own_board(channels)
        widget_origin = _widget_origin(channels)
        reconnected = "Last-Event-ID" in request.headers
        signed_in = _session_of_user()
        ping_interval = float(current_app.config.get("SSE_PING_INTERVAL", PING_INTERVAL))
        db.session.remove()  # nothing below needs the database: give the connection back

        kind = metrics.stream_kind(channels)

        @stream_with_context
        def generate() -> Iterator[str]:
            messages = self.messages(channels, ping_interval)
            metrics.stream_opened(kind)
            try:
                yield next(messages)  # the opening comment: subscribed from here on
                if reconnected:
                    yield RESYNC_FRAME
                for frame in messages:
                    if frame is PING_FRAME and not _still_allowed(signed_in):
                        return  # signed out, new password or deactivated: stream ends
                    if presence_of is not None and frame is PING_FRAME:
                        _presence(board_presence.touch_board, presence_of)
                    yield frame
            finally:
                metrics.stream_closed(kind)
                messages.close()
                if presence_of is not None:
                    _presence(board_presence.board_closed, presence_of)

        if presence_of is not None:
            board_presence.touch_board(presence_of)
            # An open board makes its rep available to routing: offer waiting visitors.
            _presence(waiting_queue.rep_became_available, presence_of)
        response = current_app.response_class(generate(), mimetype="text/event-stream")
        response.headers["Cache-Control"] = "no-cache"
        response.headers["X-Accel-Buffering"] = "no"
        response.vary.add("Origin")
        if widget_origin:
            # A visitor's widget on the customer's site; never credentials, never "*".
            response.headers["Access-Control-Allow-Origin"] = widget_origin
        return response


def _presence(record: Callable[[int], object], user_id: int) -> None:
    # A Redis blip must not end every open board: the shared subscriber reconnects and
    # resyncs them, and the next ping records presence again.
    try:
        record(user_id)
    except RedisError as error:
        log.warning("board presence not recorded: %s", error)


def _session_of_user() -> tuple[int, int] | None:
    """(user id, session version) of a signed-in stream, to re-check at each ping."""
    if not current_user.is_authenticated:
        return None
    return current_user.id, current_user.session_version


def _still_allowed(signed_in: tuple[int, int] | None) -> bool:
    """Whether the stream's user may still read it: active, and their session not ended
    since it opened. A database blip keeps the stream open until the next ping."""
    if signed_in is None:
        return True
    user_id, version = signed_in
    try:
        row = db.session.execute(
            select(User.active, User.session_version).where(User.id == user_id)
        ).first()
    except SQLAlchemyError as error:
        log.warning("stream's user not re-checked: %s", error)
        return True
    finally:
        db.session.remove()  # hold no database connection between pings
    return row is not None and row.active and row.session_version == version


def _opening_frame() -> str:
    # A comment first, so proxies start passing the stream through; an id, so the
    # browser sends Last-Event-ID when it reconnects by itself (and gets `resync`).
    return f": connected\nretry: 2000\nid: {int(time.time() * 1000)}\n\n"


def _own_board(channels: list[str]) -> int | None:
    """The signed-in user's id when one of `channels` is their own board (their presence)."""
    if not current_user.is_authenticated:
        return None
    own = current_user.id
    return own if any(rep_id_of(channel) == own for channel in channels) else None


def _widget_origin(channels: list[str]) -> str | None:
    """The Origin a visitor's widget streams from, when CORS may let it read the stream:
    visitor channels only (already authorised by the token), from a site's origin."""
    origin = request.headers.get("Origin")
    if not origin or not request.args.get("token"):
        return None
    if not channels or not all(is_visitor_channel(channel) for channel in channels):
        return None
    return origin if sites.origin_allowed_anywhere(origin) else None


def _subscriber() -> Subscriber:
    token = request.args.get("token")
    visitor_id = verify_visitor_token(token) if token else None
    if not current_user.is_authenticated:
        return Subscriber(visitor_id=visitor_id)
    return Subscriber(
        user_id=current_user.id, is_admin=current_user.is_admin, visitor_id=visitor_id
    )


bp = LiveEventsBlueprint("events", __name__, url_prefix="/events")
bp.add_url_rule("/stream", endpoint="stream", view_func=bp.stream)


@bp.before_request
def authorise():
    """401 for nobody, 403 for a channel that is not theirs; decided before streaming."""
    decision = may_subscribe_all(request.args.getlist("channel"), _subscriber())
    if decision is Decision.UNAUTHENTICATED:
        abort(401)
    if decision is Decision.FORBIDDEN:
        abort(403)
