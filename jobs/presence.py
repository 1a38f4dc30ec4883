"""Presence expiry: move visitors active→idle→left and publish. The worker's clock runs it
every few seconds (`PRESENCE_EXPIRY_EVERY`, see jobs/clock.py)."""

from __future__ import annotations

import time

from jobs import app_context
from liveapp.services.tracking import visitor_events


def expire_presence(now: float | None = None) -> int:
    """Expire presence as of `now` (default: the clock); returns how many changed."""
    with app_context():
        return len(visitor_events.expire_presence(time.time() if now is None else now))
