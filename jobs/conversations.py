"""Abandoned chats: every half minute, close the open conversations whose visitor left
the site `CHAT_CLOSE_AFTER_LEFT` seconds ago (they hold a slot of the rep's chat limit)."""

from __future__ import annotations

import time

from jobs import app_context, schedule_in_slot

EVERY = 30  # seconds between runs
QUEUE = "default"


def close_abandoned_chats(now: float | None = None, reschedule: bool = True) -> list[int]:
    """Close abandoned conversations as of `now` (default: the clock), then schedule the
    next run (idempotent); returns the ids closed."""
    with app_context() as app:
        from liveapp.services import conversations

        try:
            return conversations.close_abandoned(
                time.time() if now is None else now, app.config["CHAT_CLOSE_AFTER_LEFT"])
        finally:
            if reschedule:
                schedule_next(now)


def schedule_next(now: float | None = None) -> str:
    """Schedule the run of the next time slot (one job id per slot: repeats are no-ops)."""
    return schedule_in_slot("chat-close", EVERY, "jobs.conversations.close_abandoned_chats",
                            QUEUE, now)
