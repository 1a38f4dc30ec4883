"""One publish function for every visible visitor change.

In-process subscribers (membership, board, routing in later issues) register with
`subscribe(handler)`; other processes listen on the Redis channel `redis.key("changes")`.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from liveapp.extensions import redis

log = logging.getLogger(__name__)

KINDS = (
    "new_visitor", "page_view", "presence", "identify", "enrichment", "crm", "membership",
    "routing", "conversation", "meeting", "bot",
)


@dataclass(frozen=True)
class Change:
    """What changed about a visitor: `kind` is one of KINDS, `data` the details."""

    visitor_id: str
    kind: str
    data: dict = field(default_factory=dict)
    at: float = 0.0

    def to_json(self) -> str:
        return json.dumps(
            {"visitor_id": self.visitor_id, "kind": self.kind, "data": self.data, "at": self.at},
            default=str,
        )


Handler = Callable[[Change], None]
_subscribers: list[Handler] = []


def subscribe(handler: Handler) -> Handler:
    """Call `handler(change)` for every change published in this process (a decorator too)."""
    if handler not in _subscribers:
        _subscribers.append(handler)
    return handler


def unsubscribe(handler: Handler) -> None:
    if handler in _subscribers:
        _subscribers.remove(handler)


def channel() -> str:
    """The Redis pub/sub channel other processes listen on."""
    return redis.key("changes")


def publish(visitor_id: str, kind: str, **data) -> Change:
    """Tell in-process subscribers and other processes that a visitor changed."""
    if kind not in KINDS:
        raise ValueError(f"unknown change kind {kind!r}")
    change = Change(visitor_id, kind, data, time.time())
    # Out to other processes first, so what subscribers publish in turn follows it.
    redis.client.publish(channel(), change.to_json())
    for handler in list(_subscribers):
        try:
            handler(change)
        except Exception:  # one broken subscriber must not lose the event for the others
            log.exception("change subscriber %r failed", handler)
    return change
