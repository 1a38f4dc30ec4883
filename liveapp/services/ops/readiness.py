"""What /readyz reports: the event pipeline's lag and whether a worker is alive."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from jobs.abandoned import last_beat
from liveapp.extensions import redis
from liveapp.services.tracking import pipeline

# seconds; a live worker renews its key every CLOCK_LEASE / 3 (5 s), and the key expires
# CLOCK_LEASE (15 s) after the last renewal, so a dead worker is gone well within it.
WORKER_SEEN_WITHIN = 60.0


def pipeline_lag(now: float | None = None) -> dict:
    """Entries not yet processed over the shard streams (`waiting`: never delivered;
    `pending`: delivered to a processor, not yet acknowledged), the age in seconds of the
    oldest of them (0 when none) and the entries in the dead-letter stream (`dead`), in
    one round trip. Processed entries are deleted, so a stream's length is what is left
    to do. /readyz, /metrics and Settings → Status all report these."""
    now = time.time() if now is None else now
    keys = pipeline.stream_keys()
    pipe = redis.client.pipeline(transaction=False)
    for key in keys:
        pipe.xlen(key)
        pipe.xrange(key, count=1)
        pipe.xpending(key, pipeline.GROUP)
    pipe.xlen(pipeline.dead_key())
    *answers, dead = pipe.execute(raise_on_error=False)
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
    return {"waiting": total - pending, "pending": pending, "oldest_seconds": round(age, 3),
            "dead": dead if isinstance(dead, int) else 0}


def worker_seen(now: float | None = None) -> dict:
    """Whether a worker renewed its liveness key (jobs.abandoned) within the last minute,
    and how long ago the last did."""
    now = time.time() if now is None else now
    beat = last_beat()
    ago = None if beat is None else round(max(0.0, now - beat), 3)
    return {"seen": ago is not None and ago <= WORKER_SEEN_WITHIN, "last_seconds_ago": ago,
            "checked_at": datetime.fromtimestamp(now, UTC).isoformat()}


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
