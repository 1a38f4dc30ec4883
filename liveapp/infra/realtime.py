"""Live events: publishing to boards and widgets, and board presence.

Channels: `rep:<user_id>` (a rep's or admin's own board), `admin` (every visitor, for
admins) and `visitor:<visitor_id>` (a visitor widget's own conversation). On Redis each is
namespaced as `<prefix>sse:<channel>`, and the payload is flask-sse's message format, so
any flask-sse consumer can read it.

Render once: callers pass HTML that is already rendered. A card is rendered once per
change and published once per channel that shows it; every web process formats the frame
once and hands the same string to each of its subscribers.

No replay: after a reconnect a board gets a `resync` event and re-fetches its columns.
"""

from __future__ import annotations

import json
import time

from flask import current_app
from flask_sse import Message

from liveapp.domain.channels import ADMIN_CHANNEL, rep_channel, visitor_channel
from liveapp.extensions import redis

__all__ = [
    "ADMIN_CHANNEL", "board_connected", "board_closed", "last_seen", "last_seen_many",
    "rep_channel", "redis_channel", "send", "send_many", "touch_board", "visitor_channel",
]

BOARD_PRESENCE_TTL = 45.0  # seconds; the stream refreshes it every ping (15 s)


def redis_channel(channel: str) -> str:
    """The namespaced Redis pub/sub channel behind a live-event channel."""
    return redis.key("sse", channel)


def send(channel: str, event: str, data: str, id: str | None = None) -> int:
    """Publish one event (already-rendered data) to every subscriber of `channel`.

    Args:
        channel: e.g. `rep_channel(5)`, `ADMIN_CHANNEL`, `visitor_channel(vid)`.
        event: the SSE event name (htmx `sse-swap` / `hx-trigger="sse:<event>"`).
        data: the payload, usually an HTML fragment; must not be empty (browsers
            drop events without data).
        id: an optional event id.

    Returns:
        How many web processes received it (not how many boards).
    """
    return redis.client.publish(redis_channel(channel), _payload(event, data, id))


def send_many(events: list[tuple[str, str, str]], pipe=None) -> None:
    """`send(channel, event, data)` for each of several events, in one round trip (or
    queued on the caller's pipeline `pipe`, sent when the caller executes it)."""
    own = pipe is None
    if own:
        pipe = redis.client.pipeline(transaction=False)
    for channel, event, data in events:
        pipe.publish(redis_channel(channel), _payload(event, data, None))
    if own:
        pipe.execute()


def _payload(event: str, data: str, id: str | None) -> str:
    for name, value in (("event", event), ("id", id or "")):
        if "\n" in value or "\r" in value:
            raise ValueError(f"{name} must be a single line")
    if not data:
        raise ValueError("data must not be empty")
    return json.dumps(Message(data, type=event, id=id).to_dict())


# Board presence: a rep's open board stream is their presence. The per-rep key lives while
# a board is connected (refreshed by the stream's ping loop); `last_seen` outlives it so
# the two-minute offline rule can be applied after the key expired.


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
