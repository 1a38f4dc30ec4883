"""The public events API the site snippet talks to (SPEC section 3): `POST /t/v1/events`."""

from __future__ import annotations

import json
import time
from dataclasses import replace

from flask import Blueprint, Response, current_app, request
from redis.exceptions import RedisError
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wsgi import get_input_stream

from liveapp import logs, metrics
from liveapp.domain.events import MAX_BODY_BYTES, InvalidEvent, parse_event
from liveapp.errors import RateLimited
from liveapp.extensions import csrf
from liveapp.observe import request_id_of
from liveapp.services.chat.tokens import visitor_token
from liveapp.services.settings import sites
from liveapp.services.tracking import visitor_events
from liveapp.services.tracking.visitor_ids import internal_id
from liveapp.web import (
    RETRY_AFTER,
    UNAVAILABLE_MESSAGE,
    client_ip,
    client_ip_of,
    end_session,
    is_unavailable,
    security_headers,
)

bp = Blueprint("tracking", __name__, url_prefix="/t/v1")
csrf.exempt(bp)

# text/plain is what navigator.sendBeacon can send cross-origin without a preflight.
CONTENT_TYPES = ("application/json", "text/plain")
PREFLIGHT_MAX_AGE = "600"


def answer_headers(origin: str | None = None) -> list[tuple[str, str]]:
    """The events API's own headers on every answer (the app's security headers are
    added after: `web.set_security_headers`, or the fast path's own)."""
    headers = [("Cache-Control", "no-store"), ("Vary", "Origin")]
    if origin:
        # Never "*", never credentials: the snippet's cookie is first-party on the site.
        headers.append(("Access-Control-Allow-Origin", origin))
    return headers


def _json(status: int, payload: dict, origin: str | None = None) -> Response:
    return Response(json.dumps(payload), status=status, mimetype="application/json",
                    headers=answer_headers(origin))


def _error(status: int, message: str, origin: str | None = None) -> Response:
    return _json(status, {"error": message}, origin)


def _read_body(content_length: int | None, stream) -> bytes:
    """The body, at most MAX_BODY_BYTES; raises InvalidEvent (mapped to 413) beyond."""
    if (content_length or 0) > MAX_BODY_BYTES:
        raise InvalidEvent("body", f"must be at most {MAX_BODY_BYTES} bytes")
    data = stream.read(MAX_BODY_BYTES + 1)
    if len(data) > MAX_BODY_BYTES:
        raise InvalidEvent("body", f"must be at most {MAX_BODY_BYTES} bytes")
    return data


def _decode(data: bytes) -> object:
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        raise InvalidEvent("body", "is not valid JSON") from None


@bp.route("/events", methods=["OPTIONS"])
def preflight():
    """CORS preflight: it carries no body, so any site's allowed origin gets an answer."""
    origin = request.headers.get("Origin")
    if not origin or not sites.origin_allowed_anywhere(origin):
        return _error(403, "origin: not allowed")
    response = _json(204, {}, origin)
    response.set_data(b"")
    response.headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "Content-Type"
    response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
    return response


@bp.post("/events")
def events():
    """POST /t/v1/events (see `ingest`). In a server the fast path (`EventsFastPath`)
    answers it before Flask; this view answers the same for whoever calls the Flask app
    without it."""
    status, payload, origin = ingest(request.mimetype, request.content_length,
                                     request.stream, request.headers.get("Origin"),
                                     client_ip())
    return _json(status, payload, origin)


def ingest(mimetype: str, content_length: int | None, stream, origin: str | None,
           ip: str) -> tuple[int, dict, str | None]:
    """Validate, check the site, origin and limits, append to the events stream (for
    `liveapp pipeline`): (status, JSON payload, the origin to allow): 202 with the
    visitor's token. Counts the event accepted or rejected (liveapp.metrics)."""
    any_origin = origin if origin and sites.origin_allowed_anywhere(origin) else None
    if mimetype not in CONTENT_TYPES:
        return _refused(400, "content-type: must be application/json", any_origin,
                        "content_type")
    try:
        data = _read_body(content_length, stream)
    except InvalidEvent as invalid:
        return _refused(413, str(invalid), any_origin, "too_large")
    try:
        event = parse_event(_decode(data))
    except InvalidEvent as invalid:
        return _refused(400, str(invalid), any_origin, "invalid")
    site = sites.site_for_key(event.site_key)
    if site is None:
        return _refused(403, "site_key: unknown site", any_origin, "unknown_site", event.type)
    if origin and origin not in site.origins:
        return _refused(403, "origin: not allowed for this site", None, "origin", event.type)
    cookie_id = event.visitor_id
    # The cookie's id goes no further than this line: from here on, the internal id.
    event = replace(event, visitor_id=internal_id(cookie_id))
    try:
        # Accepted only: `liveapp pipeline` records the event (no SQL in this request).
        visitor_events.accept(event, site, ip, time.time())
    except RedisError as error:
        # Accepted means never lost: when Redis cannot take it, say so.
        current_app.logger.warning("events API: Redis refused an event: %s", error)
        return _refused(503, "Unavailable; try again shortly.", origin, "unavailable",
                        event.type)
    except RateLimited:
        return _refused(429, "Too many events; slow down.", origin, "rate_limited",
                        event.type)
    except InvalidEvent as invalid:
        return _refused(400, str(invalid), origin, "invalid", event.type)
    metrics.event_accepted(event.type)
    # SPEC 3: the cookie's id echoed as sent; the token signs the internal id.
    return 202, {"visitor_id": cookie_id, "token": visitor_token(event.visitor_id)}, origin


def _refused(status: int, message: str, origin: str | None, reason: str,
             kind: str = "unknown") -> tuple[int, dict, str | None]:
    metrics.event_rejected(kind, reason)
    return status, {"error": message}, origin


SERVER_ERROR = "Something went wrong on our side."


class EventsFastPath:
    """WSGI middleware: `POST /t/v1/events` answered without Flask's request machinery.

    Measured reason (bench/README.md, "Heartbeats"): every live visitor sends a heartbeat
    every 15 s, 667/s for 10,000 visitors on one node, and Flask's request context, hooks
    and response object cost as much again as the event's own work (a heartbeat called
    as WSGI in process: 0.72 ms CPU through the Flask app, 0.35 ms through this path,
    same run). The answer is the
    same as the view's (`ingest`, the same headers); the request needs nothing else of
    the app's hooks: no session, no sign-in, no CSRF (the API is exempt), no change is
    published (the event is only appended), and the NUL check is parse_event's own.
    """

    PATH = "/t/v1/events"

    def __init__(self, app, wsgi_app) -> None:
        self.app, self.wsgi_app = app, wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != self.PATH or environ.get("REQUEST_METHOD") != "POST":
            return self.wsgi_app(environ, start_response)
        mimetype = environ.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0) or None
        except ValueError:
            length = None
        started = time.perf_counter()
        request_id = request_id_of(environ)
        bound = logs.REQUEST_ID.set(request_id)  # a contextmanager costs microseconds
        extra: list[tuple[str, str]] = []
        with self.app.app_context():
            try:
                status, payload, origin = ingest(
                    mimetype, length, get_input_stream(environ, max_content_length=None),
                    environ.get("HTTP_ORIGIN"), client_ip_of(environ))
            except Exception as error:  # as the app's own error handlers would answer
                if not is_unavailable(error):
                    current_app.logger.exception("events API: unexpected error")
                    status, payload, origin = 500, {"error": SERVER_ERROR}, None
                else:  # a part is away (the database, Redis): 503, try again
                    current_app.logger.warning("events API: unavailable: %s", error)
                    end_session()
                    status, payload, origin = 503, {"error": UNAVAILABLE_MESSAGE}, None
                    extra = [("Retry-After", RETRY_AFTER)]
            finally:
                logs.REQUEST_ID.reset(bound)
        body = json.dumps(payload).encode()
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                   ("X-Request-Id", request_id), *answer_headers(origin), *security_headers(),
                   *extra]
        metrics.request_done(metrics.EVENTS_ENDPOINT, status, time.perf_counter() - started)
        start_response(f"{status} {HTTP_STATUS_CODES.get(status, '')}", headers)
        return [body]


def install(app) -> None:
    """Put the fast path in front of the app (create_app)."""
    app.wsgi_app = EventsFastPath(app, app.wsgi_app)
