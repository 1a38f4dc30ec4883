"""Jobs asked for at most once at a time per visitor: a pending marker in Redis.

A request sets the marker (SET NX with a TTL, so a lost job stops blocking after it) and
enqueues; the job clears the marker when it starts, so a change that arrives while it
runs asks again and that next run sees it.
"""

from __future__ import annotations

from collections.abc import Callable

import jobs
from liveapp.extensions import redis


def pending_key(kind: str, visitor_id: str) -> str:
    return redis.key(kind, "pending", visitor_id)


def request(kind: str, visitor_id: str, func: Callable[[str], object], *,
            pending_ttl: int) -> bool:
    """Enqueue the job `func(visitor_id)` (with its declared policy) unless one is already
    waiting; True if queued."""
    if not redis.client.set(pending_key(kind, visitor_id), "1", nx=True, ex=pending_ttl):
        return False
    jobs.enqueue(func, visitor_id)
    return True


def started(kind: str, visitor_id: str) -> None:
    """The job began: a later change may ask again (that run will see it)."""
    redis.client.delete(pending_key(kind, visitor_id))
