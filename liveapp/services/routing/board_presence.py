"""Reps' board presence: a rep's open board stream is their presence for routing.

The per-rep key lives while a board is connected (refreshed by the stream's ping loop);
`last_seen` outlives it, so the two-minute offline rule (`liveapp.domain.board_presence`)
can be applied after the key expired. `sweep` tells admins' boards who went on or off.
"""

from __future__ import annotations

import json
import time

from flask import current_app

from liveapp.domain.board_presence import OFFLINE_AFTER, effective_availability
from liveapp.extensions import redis
from liveapp.infra import realtime

BOARD_PRESENCE_TTL = 45.0  # seconds; the stream refreshes it every ping (15 s)


def offline_after() -> float:
    return float(current_app.config.get("BOARD_OFFLINE_AFTER", OFFLINE_AFTER))


def effective(chosen: str, seen: float | None, now: float) -> str:
    """The availability routing uses: the chosen one, or "offline" once the board has
    been closed longer than `offline_after()`."""
    return effective_availability(chosen, seen, now, offline_after())


def _board_key(user_id: int) -> str:
    return redis.key("board", user_id)


def _last_seen_key() -> str:
    return redis.key("boards", "last_seen")


def touch_board(user_id: int, now: float | None = None) -> None:
    """Record that this rep's board is connected right now."""
    now = time.time() if now is None else now
    ttl = current_app.config.get("BOARD_PRESENCE_TTL", BOARD_PRESENCE_TTL)
    pipe = redis.client.pipeline(transaction=False)
    pipe.set(_board_key(user_id), repr(now), px=max(int(ttl * 1000), 1))
    pipe.zadd(_last_seen_key(), {str(user_id): now})
    pipe.execute()


def board_closed(user_id: int, now: float | None = None) -> None:
    """Record when a board stream ended. The key is left to expire, not deleted: the
    same rep may have another tab open that keeps refreshing it."""
    now = time.time() if now is None else now
    redis.client.zadd(_last_seen_key(), {str(user_id): now})


def board_connected(user_id: int) -> bool:
    """True while the rep has a board open (within one presence TTL)."""
    return bool(redis.client.exists(_board_key(user_id)))


def last_seen(user_id: int) -> float | None:
    """When the rep's board was last connected (epoch seconds), or None if never."""
    return redis.client.zscore(_last_seen_key(), str(user_id))


def last_seen_many(user_ids: list[int]) -> dict[int, float | None]:
    """`last_seen` for many reps in one round trip."""
    if not user_ids:
        return {}
    scores = redis.client.zmscore(_last_seen_key(), [str(i) for i in user_ids])
    return dict(zip(user_ids, scores, strict=True))


def seen_since(since: float) -> set[int]:
    """Ids of the reps whose board was connected at or after `since`."""
    members = redis.client.zrangebyscore(_last_seen_key(), since, "+inf")
    return {int(m) for m in members}


def sweep(now: float | None = None) -> dict[str, list[int]]:
    """Find reps whose board presence flipped since the last sweep and tell admins.

    Routing does not need this (it asks `effective_availability` at decision time); it
    lets admin boards show a rep going offline two minutes after closing their board.

    Returns:
        {"online": [...], "offline": [...]}: the user ids that changed.
    """
    now = time.time() if now is None else now
    online = seen_since(now - offline_after())
    key = redis.key("boards", "online")
    previous = {int(m) for m in redis.client.smembers(key)}
    pipe = redis.client.pipeline()
    pipe.delete(key)
    if online:
        pipe.sadd(key, *online)
    pipe.execute()
    changes = {"online": sorted(online - previous), "offline": sorted(previous - online)}
    for state, user_ids in changes.items():
        for user_id in user_ids:
            data = json.dumps({"user_id": user_id, "board": state})
            realtime.send(realtime.ADMIN_CHANNEL, "rep-presence", data)
    return changes
