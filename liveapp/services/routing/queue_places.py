"""Places in the waiting queue: each waiting visitor's place in line and the estimate of
their wait (domain/queue_places.py), from how long the last hour's inbound requests waited
for a rep's accept; sent to every waiting visitor's widget (a `queue` event on their own
channel) whenever the line moves: someone joins, is taken, leaves or books instead.

The queue itself is a sorted set (visitor id -> when they asked), written by `router` and
drained by `waiting_queue`."""

from __future__ import annotations

import json
import time

from liveapp.domain import queue_places as domain
from liveapp.extensions import redis
from liveapp.infra import realtime

WAITS_KEPT = 50  # the most recent accept waits kept
WAITS_WINDOW = 3600.0  # seconds: older waits say nothing of now
TOLD_LIMIT = 200  # places sent per move: further back, the next move tells them


def waiting_key() -> str:
    return redis.key("routing", "waiting")


def waits_key() -> str:
    return redis.key("routing", "accept-waits")


def record_wait(seconds: float, now: float | None = None) -> None:
    """An inbound request was accepted after waiting `seconds` (offers and queue both)."""
    now = time.time() if now is None else now
    pipe = redis.client.pipeline(transaction=False)
    pipe.zadd(waits_key(), {f"{now!r}:{max(seconds, 0.0):.1f}": now})
    pipe.zremrangebyscore(waits_key(), "-inf", now - WAITS_WINDOW)
    pipe.zremrangebyrank(waits_key(), 0, -WAITS_KEPT - 1)
    pipe.expire(waits_key(), int(WAITS_WINDOW))
    pipe.execute()


def recent_waits(now: float | None = None) -> list[float]:
    now = time.time() if now is None else now
    members = redis.client.zrangebyscore(waits_key(), now - WAITS_WINDOW, "+inf")
    return [float(m.decode().rpartition(":")[2]) for m in members]


def place_of(visitor_id: str, now: float | None = None) -> domain.Place | None:
    """The visitor's place in line, None when they are not waiting in the queue."""
    rank = redis.client.zrank(waiting_key(), visitor_id)
    return None if rank is None else domain.place(rank + 1, recent_waits(now))


def tell_places(now: float | None = None) -> int:
    """Send every waiting visitor (the first TOLD_LIMIT) their place; returns how many."""
    waiting = [m.decode() for m in redis.client.zrange(waiting_key(), 0, TOLD_LIMIT - 1)]
    if waiting:
        waits = recent_waits(now)
        realtime.send_many([
            (realtime.visitor_channel(vid), "queue",
             json.dumps(domain.place(index + 1, waits).to_dict()))
            for index, vid in enumerate(waiting)])
    return len(waiting)
