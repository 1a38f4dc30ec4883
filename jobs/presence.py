"""Presence expiry: every few seconds, move visitors active→idle→left and publish.

Scheduled with RQ's own scheduler (`enqueue_in`, run by `worker --with-scheduler`): each
run schedules the next one. A Redis key names the chain's next job, so a second worker
starting up, or a job run twice, does not start a second chain.
"""

from __future__ import annotations

import time
from datetime import timedelta

from jobs import app_context

INTERVAL = 5  # seconds between runs
QUEUE = "high"


def _owner_key() -> str:
    from liveapp.extensions import redis

    return redis.key("presence", "expiry-job")


def ensure_scheduled(current_job_id: str | None = None) -> str | None:
    """Schedule the next run unless another chain owns it; returns the new job's id."""
    from liveapp.extensions import queue, redis

    owner = redis.client.get(_owner_key())
    if owner is not None and owner.decode() != current_job_id:
        return None
    job = queue(QUEUE).enqueue_in(
        timedelta(seconds=INTERVAL), "jobs.presence.expire_presence",
        job_timeout=60, result_ttl=0, failure_ttl=24 * 3600,
    )
    # Outlives a few missed runs, then a restarting worker may start a new chain.
    redis.client.set(_owner_key(), job.id, ex=INTERVAL * 6)
    return job.id


def expire_presence(now: float | None = None, reschedule: bool = True) -> int:
    """Expire presence as of `now` (default: the clock); returns how many changed."""
    from rq import get_current_job

    with app_context():
        from liveapp.services import tracking

        try:
            return len(tracking.expire_presence(time.time() if now is None else now))
        finally:
            if reschedule:
                job = get_current_job()
                ensure_scheduled(job.id if job else None)
