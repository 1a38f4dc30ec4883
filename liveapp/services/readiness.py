"""What /readyz reports: the event pipeline's lag and whether a worker is alive."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from flask import current_app
from rq import Worker

from liveapp.extensions import QUEUE_NAMES, queue, redis
from liveapp.services import pipeline

WORKER_SEEN_WITHIN = 60.0  # seconds: a worker heartbeats every few seconds while alive


def pipeline_lag(now: float | None = None) -> dict:
    """Entries not yet processed over the shard streams (`waiting`: never delivered;
    `pending`: delivered to a processor, not yet acknowledged) and the age in seconds of
    the oldest of them (0 when none). Processed entries are deleted, so a stream's
    length is what is left to do."""
    now = time.time() if now is None else now
    keys = pipeline.stream_keys()
    pipe = redis.client.pipeline(transaction=False)
    for key in keys:
        pipe.xlen(key)
        pipe.xrange(key, count=1)
        pipe.xpending(key, pipeline.GROUP)
    answers = pipe.execute(raise_on_error=False)
    total = pending = 0
    oldest_ms = None
    for length, first, summary in zip(answers[::3], answers[1::3], answers[2::3], strict=True):
        total += length if isinstance(length, int) else 0
        if isinstance(summary, dict):  # no group yet: an error, nothing pending
            pending += summary.get("pending", 0)
        if isinstance(first, list) and first:
            entry_ms = int(_text(first[0][0]).split("-")[0])
            oldest_ms = entry_ms if oldest_ms is None else min(oldest_ms, entry_ms)
    age = max(0.0, now - oldest_ms / 1000) if oldest_ms is not None else 0.0
    return {"waiting": total - pending, "pending": pending, "oldest_seconds": round(age, 3)}


def last_worker_heartbeat() -> float | None:
    """The epoch a worker was last seen, or None: the latest of the RQ heartbeats of the
    workers on liveapp's queues and of the clock's runs. RQ alone is not enough: an idle
    worker blocks on its queues for its TTL less 15 s (405 s by default) between two
    heartbeats, and one running a job does not heartbeat until it ends; the clock thread
    of every `liveapp worker` runs a task every few seconds (presence expiry: 5 s)."""
    from jobs.clock import runs, tasks_for

    beats = []
    for name in QUEUE_NAMES:
        for worker in Worker.all(queue=queue(name)):
            if worker.last_heartbeat is not None:
                beat = worker.last_heartbeat
                beats.append((beat if beat.tzinfo else beat.replace(tzinfo=UTC)).timestamp())
    for task in tasks_for(current_app.config):
        beats += [run["at"] for run in runs(task.name)[:1]]
    return max(beats, default=None)


def worker_seen(now: float | None = None) -> dict:
    """Whether a worker heartbeat within the last minute, and how long ago the last was."""
    now = time.time() if now is None else now
    beat = last_worker_heartbeat()
    ago = None if beat is None else round(max(0.0, now - beat), 3)
    return {"seen": ago is not None and ago <= WORKER_SEEN_WITHIN, "last_seconds_ago": ago,
            "checked_at": datetime.fromtimestamp(now, UTC).isoformat()}


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
