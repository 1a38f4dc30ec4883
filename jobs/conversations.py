"""Abandoned chats: close the open conversations whose visitor left the site
`CHAT_CLOSE_AFTER_LEFT` seconds ago (they hold a slot of the rep's chat limit). The
worker's clock runs it every half minute (`CHAT_CLOSING_EVERY`, see jobs/clock.py)."""

from __future__ import annotations

import time

from jobs import app_context
from liveapp.services.chat import conversations


def close_abandoned_chats(now: float | None = None) -> list[int]:
    """Close abandoned conversations as of `now` (default: the clock); returns the ids
    closed (idempotent)."""
    with app_context() as app:
        return conversations.close_abandoned(
            time.time() if now is None else now, app.config["CHAT_CLOSE_AFTER_LEFT"])
