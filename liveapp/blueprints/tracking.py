"""The public events API the site snippet talks to (SPEC section 3): `POST /t/v1/events`."""

from __future__ import annotations

import json
import time
from dataclasses import replace

from flask import Blueprint, Response, current_app, request
from redis.exceptions import RedisError

from liveapp.domain.events import MAX_BODY_BYTES, InvalidEvent, parse_event
from liveapp.extensions import csrf
from liveapp.services import sites, tracking
from liveapp.services.tokens import visitor_token
from liveapp.services.visitor_ids import internal_id
from liveapp.web import client_ip

bp = Blueprint("tracking", __name__, url_prefix="/t/v1")
csrf.exempt(bp)

# text/plain is what navigator.sendBeacon can send cross-origin without a preflight.
CONTENT_TYPES = ("application/json", "text/plain")
PREFLIGHT_MAX_AGE = "600"


def _json(status: int, payload: dict, origin: str | None = None) -> Response:
    response = Response(json.dumps(payload), status=status, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("Origin")
    if origin:
        # Never "*", never credentials: the snippet's cookie is first-party on the site.
        response.headers["Access-Control-Allow-Origin"] = origin
    return response


def _error(status: int, message: str, origin: str | None = None) -> Response:
    return _json(status, {"error": message}, origin)


def _read_body() -> bytes:
    """The body, at most MAX_BODY_BYTES; raises InvalidEvent (mapped to 413) beyond."""
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise InvalidEvent("body", f"must be at most {MAX_BODY_BYTES} bytes")
    data = request.stream.read(MAX_BODY_BYTES + 1)
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
    """Validate, check the site, origin and limits, append to the events stream (for
    `liveapp pipeline`); 202 with the visitor's token."""
    origin = request.headers.get("Origin")
    any_origin = origin if origin and sites.origin_allowed_anywhere(origin) else None
    if request.mimetype not in CONTENT_TYPES:
        return _error(400, "content-type: must be application/json", any_origin)
    try:
        data = _read_body()
    except InvalidEvent as invalid:
        return _error(413, str(invalid), any_origin)
    try:
        event = parse_event(_decode(data))
    except InvalidEvent as invalid:
        return _error(400, str(invalid), any_origin)
    site = sites.site_for_key(event.site_key)
    if site is None:
        return _error(403, "site_key: unknown site", any_origin)
    if origin and origin not in site.origins:
        return _error(403, "origin: not allowed for this site")
    cookie_id = event.visitor_id
    # The cookie's id goes no further than this line: from here on, the internal id.
    event = replace(event, visitor_id=internal_id(cookie_id))
    try:
        # Accepted only: `liveapp pipeline` records the event (no SQL in this request).
        tracking.accept(event, site, client_ip(), time.time())
    except RedisError as error:
        # Accepted means never lost: when Redis cannot take the event, say so.
        current_app.logger.warning("events API: Redis refused an event: %s", error)
        return _error(503, "Unavailable; try again shortly.", origin)
    except tracking.RateLimited:
        return _error(429, "Too many events; slow down.", origin)
    except InvalidEvent as invalid:
        return _error(400, str(invalid), origin)
    # SPEC 3: the cookie's id echoed as sent; the token signs the internal id.
    return _json(202, {"visitor_id": cookie_id, "token": visitor_token(event.visitor_id)},
                 origin)
