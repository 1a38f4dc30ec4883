"""Visitor ids: the snippet's cookie id is a secret only the visitor's browser holds.

The events API turns it, once, into the visitor's internal id with a keyed one-way
function (HMAC-SHA256 under a key derived from SECRET_KEY); everything past that edge
(rows and their foreign keys, Redis keys, tokens, SSE channels `visitor:<id>`, URLs,
`data-visitor`) knows only the internal id. Whoever sees an internal id (a rep, a page,
a log) can neither turn it back into the cookie id nor make one that maps onto it, so
it gives no widget token: posting it as a `visitor_id` is just another, new visitor.

Internal ids are shaped as UUIDs of version 8 (RFC 9562's custom version) so that they
are told apart from the snippet's random (version 4) cookie ids: migration 0014 rewrites
only the ids that are not internal yet.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import uuid

from flask import current_app

PURPOSE = b"liveapp.visitor-id"
VERSION = 8


@functools.lru_cache(maxsize=8)
def _key(secret_key: str | bytes) -> bytes:
    """The visitor-id key of a SECRET_KEY (its own key: the secret signs other things)."""
    secret = secret_key.encode() if isinstance(secret_key, str) else secret_key
    return hmac.new(secret, PURPOSE, hashlib.sha256).digest()


def derive(secret_key: str | bytes, cookie_id: str) -> str:
    """The internal id of `cookie_id` under `secret_key`: the same for the same cookie id
    however the UUID is spelt (case, braces). Raises ValueError for a non-UUID."""
    canonical = str(uuid.UUID(cookie_id)).encode()
    raw = bytearray(hmac.new(_key(secret_key), canonical, hashlib.sha256).digest()[:16])
    raw[6] = (raw[6] & 0x0F) | (VERSION << 4)
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
    return str(uuid.UUID(bytes=bytes(raw)))


def is_internal(visitor_id: str) -> bool:
    """Whether `visitor_id` has the internal ids' shape (it says nothing of whose it is)."""
    try:
        parsed = uuid.UUID(visitor_id)
    except ValueError:
        return False
    return parsed.variant == uuid.RFC_4122 and parsed.version == VERSION


def internal_id(cookie_id: str) -> str:
    """The internal id of a visitor's cookie id, under this app's SECRET_KEY."""
    return derive(current_app.config["SECRET_KEY"], cookie_id)
