"""Rate limits kept in Redis, shared by every web process."""

from __future__ import annotations

import time

from liveapp.extensions import redis


def allow(name: str, subject: str, limit: int, window: int) -> bool:
    """Count one hit for subject; False once it exceeds limit within window seconds.

    The window starts at the subject's first hit, not on a clock boundary, so a burst
    cannot straddle two windows and get twice the limit.
    """
    key = redis.key("rl", name, subject)
    pipe = redis.client.pipeline(transaction=False)
    pipe.set(key, 0, ex=window, nx=True)
    pipe.incr(key)
    _, count = pipe.execute()
    return count <= limit


def reset(name: str, subject: str) -> None:
    """Forget a subject's hits (after a successful login, say)."""
    redis.client.delete(redis.key("rl", name, subject))


def window_key(name: str, subject: str, window: int) -> str:
    """The counter key of the current window, for callers that count in their own script."""
    return redis.key("rl", name, subject, int(time.time()) // window)
