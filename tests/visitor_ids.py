"""A tracked visitor in tests: its internal id (what rows, URLs, Redis keys and channels
use) that remembers the cookie id the snippet posts for it (services/tracking/visitor_ids.py)."""

from __future__ import annotations

import uuid

from flask import current_app, has_app_context

from liveapp.services.tracking.visitor_ids import derive

TEST_SECRET = "test-secret"  # tests/conftest.py's SECRET_KEY


class VisitorId(str):
    """The internal id of `cookie` (a new random cookie id when None) under `secret`
    (the current app's SECRET_KEY, else the tests'); `.cookie` is what the snippet posts."""

    cookie: str

    def __new__(cls, cookie: str | None = None, secret: str | None = None) -> VisitorId:
        cookie = cookie or str(uuid.uuid4())
        if secret is None:
            secret = current_app.config["SECRET_KEY"] if has_app_context() else TEST_SECRET
        visitor_id = super().__new__(cls, derive(secret, cookie))
        visitor_id.cookie = cookie
        return visitor_id


def cookie_of(visitor_id: str) -> str:
    """What the snippet posts for this visitor: a VisitorId's cookie id; a plain string
    as given (posting an internal id as a cookie id makes another visitor)."""
    return getattr(visitor_id, "cookie", visitor_id)


def tracked(visitor_id: str | None = None) -> VisitorId:
    """A VisitorId as it is, a plain string taken as a cookie id, None a new visitor."""
    return visitor_id if isinstance(visitor_id, VisitorId) else VisitorId(visitor_id)
