"""Which reps have a visitor's detail open right now (the cards' "viewing" markers).

Per visitor a sorted set of user ids scored by their last refresh (the detail page
refreshes it periodically); entries older than VIEWING_TTL no longer count. A global
sorted set of "visitor|user" lets a sweep find expired markers to take off the cards.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from liveapp.extensions import redis

VIEWING_TTL = 45.0  # seconds; the detail page refreshes every 15 s
KEY_TTL = 3600


def _key(visitor_id: str) -> str:
    return redis.key("viewing", visitor_id)


def _index_key() -> str:
    return redis.key("viewing", "index")


def mark(visitor_id: str, user_id: int, now: float | None = None) -> bool:
    """Record that this user views the visitor; True when they were not viewing before."""
    now = time.time() if now is None else now
    previous = redis.client.zscore(_key(visitor_id), str(user_id))
    pipe = redis.client.pipeline(transaction=True)
    pipe.zadd(_key(visitor_id), {str(user_id): now})
    pipe.expire(_key(visitor_id), KEY_TTL)
    pipe.zadd(_index_key(), {f"{visitor_id}|{user_id}": now})
    pipe.execute()
    return previous is None or previous < now - VIEWING_TTL


def unmark(visitor_id: str, user_id: int) -> bool:
    """The user closed the detail; True when they were viewing."""
    pipe = redis.client.pipeline(transaction=True)
    pipe.zrem(_key(visitor_id), str(user_id))
    pipe.zrem(_index_key(), f"{visitor_id}|{user_id}")
    removed, _ = pipe.execute()
    return bool(removed)


def current(visitor_id: str, now: float | None = None) -> list[int]:
    """Ids of the users viewing the visitor now."""
    return current_many([visitor_id], now).get(visitor_id, [])


def queue_current(pipe, visitor_id: str, now: float | None = None) -> None:
    """Add the read of a visitor's viewers to a caller's pipeline (see decode_current)."""
    now = time.time() if now is None else now
    pipe.zrangebyscore(_key(visitor_id), now - VIEWING_TTL, "+inf")


def decode_current(members: list[bytes]) -> list[int]:
    return sorted(int(m) for m in members)


def current_many(visitor_ids: Iterable[str], now: float | None = None) -> dict[str, list[int]]:
    """Viewers of many visitors in one round trip (visitors with viewers only)."""
    now = time.time() if now is None else now
    ids = list(visitor_ids)
    if not ids:
        return {}
    pipe = redis.client.pipeline(transaction=False)
    for visitor_id in ids:
        queue_current(pipe, visitor_id, now)
    found = {}
    for visitor_id, members in zip(ids, pipe.execute(), strict=True):
        if members:
            found[visitor_id] = decode_current(members)
    return found


def sweep(now: float | None = None) -> set[str]:
    """Forget expired markers; returns the visitors whose viewers changed."""
    now = time.time() if now is None else now
    expired = redis.client.zrangebyscore(_index_key(), "-inf", now - VIEWING_TTL)
    changed = set()
    for member in expired:
        visitor_id, _, user_id = member.decode().partition("|")
        pipe = redis.client.pipeline(transaction=True)
        pipe.zremrangebyscore(_key(visitor_id), "-inf", now - VIEWING_TTL)
        pipe.zrem(_index_key(), member)
        pipe.execute()
        changed.add(visitor_id)
    return changed
