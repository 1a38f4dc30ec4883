"""Signed visitor tokens: what a visitor's widget shows to read its own conversation."""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

SALT = "liveapp.visitor-token"
MAX_AGE = 7 * 24 * 3600  # a week; the events API hands out a fresh one on every call


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def visitor_token(visitor_id: str) -> str:
    """A token that proves its bearer is this visitor (signed, timestamped)."""
    return _serializer().dumps(visitor_id)


def verify_visitor_token(token: str, max_age: int = MAX_AGE) -> str | None:
    """The visitor id a token was issued for, or None if forged, altered or expired."""
    try:
        value = _serializer().loads(token, max_age=max_age)
    except BadSignature:  # SignatureExpired is a BadSignature too
        return None
    return value if isinstance(value, str) else None
