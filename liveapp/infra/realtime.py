"""Live events: publishing to boards and widgets (reps' board presence, which boards are
open, is `liveapp.services.routing.board_presence`).

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

from flask_sse import Message

from liveapp.domain.channels import ADMIN_CHANNEL, rep_channel, visitor_channel
from liveapp.extensions import redis

__all__ = [
    "ADMIN_CHANNEL", "rep_channel", "redis_channel", "send", "send_many", "visitor_channel",
]

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
