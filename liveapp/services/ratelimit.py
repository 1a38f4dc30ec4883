"""Fixed-window rate limits kept in Redis, shared by every web process."""

from __future__ import annotations

import time

from liveapp.extensions import redis


def allow(name: str, subject: str, limit: int, window: int) -> bool:
    """Count one hit for subject; False once it exceeds limit within the window (seconds)."""
    bucket = int(time.time()) // window
    key = redis.key("rl", name, subject, bucket)
    pipe = redis.client.pipeline(transaction=False)
    pipe.incr(key)
    pipe.expire(key, window + 1)
    count, _ = pipe.execute()
    return count <= limit


def reset(name: str, subject: str, window: int) -> None:
    """Forget the hits of the current window (after a successful login, say)."""
    bucket = int(time.time()) // window
    redis.client.delete(redis.key("rl", name, subject, bucket))


def window_key(name: str, subject: str, window: int) -> str:
    """The counter key of the current window, for callers that count in their own script."""
    return redis.key("rl", name, subject, int(time.time()) // window)
