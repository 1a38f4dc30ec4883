"""Validating the public events API's JSON body, field by field (SPEC section 3)."""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from email_validator import EmailNotValidError, validate_email

from liveapp.domain.text import NUL, NUL_REFUSED

EVENT_TYPES = ("page_view", "heartbeat", "identify", "leave")
MAX_BODY_BYTES = 8 * 1024
MAX_URL = 2048
MAX_TITLE = 512
MAX_SITE_KEY = 64
MAX_EMAIL = 254
MAX_TRAITS = 20
MAX_TRAIT_VALUE = 200
UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
UTM_LENGTH = 255
OUTBOUND_SOURCES = ("outreach", "salesloft")
CLICK_THROUGH_PARAMS = ("lv_email", "lv_src")
_TRAIT_KEY = re.compile(r"^[A-Za-z0-9_.\-]{1,40}$")


class InvalidEvent(ValueError):
    """A bad request body; `field` names what is wrong, for `{"error": "<field>: ..."}`."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True)
class Event:
    """A validated event, as the snippet sent it."""

    site_key: str
    visitor_id: str
    type: str
    url: str | None = None
    title: str | None = None
    referrer: str | None = None
    active: bool = True
    email: str | None = None
    traits: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Landing:
    """What a page URL tells us: the URL to store, its UTM tags, an outbound click-through."""

    url: str
    utm: dict[str, str]
    email: str | None = None
    source: str | None = None


def _string(body: dict, name: str, max_length: int, required: bool = False) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise InvalidEvent(name, "is required")
        return None
    if not isinstance(value, str):
        raise InvalidEvent(name, "must be a string")
    if required and not value.strip():
        raise InvalidEvent(name, "is required")
    if len(value) > max_length:
        raise InvalidEvent(name, f"must be at most {max_length} characters")
    if NUL in value:
        raise InvalidEvent(name, NUL_REFUSED)
    return value


def _visitor_id(body: dict) -> str:
    value = _string(body, "visitor_id", 36, required=True)
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise InvalidEvent("visitor_id", "must be a UUID") from None


def _http_url(body: dict, name: str, required: bool = False) -> str | None:
    value = _string(body, name, MAX_URL, required=required)
    if not value:
        return None
    if any(ch.isspace() or ord(ch) < 32 for ch in value):
        raise InvalidEvent(name, "must not contain spaces or control characters")
    try:
        parts = urlsplit(value)
    except ValueError:
        raise InvalidEvent(name, "is not a valid URL") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise InvalidEvent(name, "must be an http or https URL")
    return value


def normalise_email(value: str) -> str | None:
    """The email lower-cased and checked (no DNS), or None when it is not an email."""
    if len(value) > MAX_EMAIL:
        return None
    try:
        checked = validate_email(value.strip(), check_deliverability=False)
    except (EmailNotValidError, UnicodeError):
        return None
    return checked.normalized.lower()


def _email(body: dict, required: bool) -> str | None:
    value = _string(body, "email", MAX_EMAIL, required=required)
    if not value:
        return None
    email = normalise_email(value)
    if email is None:
        raise InvalidEvent("email", "is not a valid email address")
    return email


def _trait_value(key: str, value: object) -> object:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise InvalidEvent(f"traits.{key}", "must be a finite number")
        if abs(value) > 2**53:
            raise InvalidEvent(f"traits.{key}", "is too large")
        return value
    if isinstance(value, str):
        if len(value) > MAX_TRAIT_VALUE:
            raise InvalidEvent(f"traits.{key}", f"must be at most {MAX_TRAIT_VALUE} characters")
        if NUL in value:
            raise InvalidEvent(f"traits.{key}", NUL_REFUSED)
        return value
    raise InvalidEvent(f"traits.{key}", "must be a string, number, boolean or null")


def _traits(body: dict) -> dict:
    value = body.get("traits")
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidEvent("traits", "must be an object")
    if len(value) > MAX_TRAITS:
        raise InvalidEvent("traits", f"must have at most {MAX_TRAITS} keys")
    traits = {}
    for key, item in value.items():
        if not _TRAIT_KEY.match(key):
            raise InvalidEvent("traits", "keys are 1-40 letters, digits, '_', '-' or '.'")
        traits[key] = _trait_value(key, item)
    return traits


def _active(body: dict) -> bool:
    value = body.get("active", True)
    if not isinstance(value, bool):
        raise InvalidEvent("active", "must be true or false")
    return value


def parse_event(body: object) -> Event:
    """Validate a decoded JSON body; raises InvalidEvent naming the first bad field."""
    if not isinstance(body, dict):
        raise InvalidEvent("body", "must be a JSON object")
    site_key = _string(body, "site_key", MAX_SITE_KEY, required=True)
    visitor_id = _visitor_id(body)
    kind = body.get("type")
    if kind not in EVENT_TYPES:
        raise InvalidEvent("type", "must be one of " + ", ".join(EVENT_TYPES))
    return Event(
        site_key=site_key,
        visitor_id=visitor_id,
        type=kind,
        url=_http_url(body, "url", required=kind == "page_view"),
        title=_string(body, "title", MAX_TITLE),
        referrer=_http_url(body, "referrer"),
        active=_active(body),
        email=_email(body, required=kind == "identify"),
        traits=_traits(body),
    )


def read_landing(url: str) -> Landing:
    """Split a page URL into the URL to store (click-through parameters removed), its UTM
    tags and, when `lv_email` and `lv_src` are both there and valid, who clicked through."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    params = dict(query)
    utm = {k: params[k][:UTM_LENGTH] for k in UTM_FIELDS if params.get(k)}
    email = normalise_email(params.get("lv_email", "")) if params.get("lv_email") else None
    source = params.get("lv_src", "").lower()
    if source not in OUTBOUND_SOURCES or email is None:
        email, source = None, None
    kept = [(k, v) for k, v in query if k not in CLICK_THROUGH_PARAMS]
    if len(kept) != len(query):
        url = urlunsplit(parts._replace(query=urlencode(kept)))
    return Landing(url=url, utm=utm, email=email, source=source)
