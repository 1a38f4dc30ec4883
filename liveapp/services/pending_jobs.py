"""Jobs asked for at most once at a time per visitor: a pending marker in Redis.

A request sets the marker (SET NX with a TTL, so a lost job stops blocking after it) and
enqueues; the job clears the marker when it starts, so a change that arrives while it
runs asks again and that next run sees it.
"""

from __future__ import annotations

from rq import Retry

from liveapp.extensions import queue, redis

FAILURE_TTL = 7 * 24 * 3600  # failed jobs stay visible to ops for a week


def pending_key(kind: str, visitor_id: str) -> str:
    return redis.key(kind, "pending", visitor_id)


def request(kind: str, visitor_id: str, func: str, *, queue_name: str, pending_ttl: int,
            job_timeout: int, retry: Retry) -> bool:
    """Enqueue `func(visitor_id)` unless one is already waiting; True if queued."""
    if not redis.client.set(pending_key(kind, visitor_id), "1", nx=True, ex=pending_ttl):
        return False
    queue(queue_name).enqueue(func, visitor_id, job_timeout=job_timeout, result_ttl=300,
                              failure_ttl=FAILURE_TTL, retry=retry)
    return True


def started(kind: str, visitor_id: str) -> None:
    """The job began: a later change may ask again (that run will see it)."""
    redis.client.delete(pending_key(kind, visitor_id))
