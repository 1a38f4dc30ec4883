"""A visitor's presence rules: active after activity, idle after 30 s without, left after 60 s
without any heartbeat, or a few seconds after a `leave`. Times are plain seconds, passed in.

Why a grace after `leave`: the snippet sends it on every pagehide, so on a multi-page site
each click is a leave followed, a moment later, by the next page view. Marking the visitor
left at once would drop them off the board and bring them back on every click.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

ACTIVE = "active"
IDLE = "idle"
LEFT = "left"
IDLE_AFTER = 30.0
LEFT_AFTER = 60.0
LEAVE_GRACE = 5.0


@dataclass(frozen=True)
class Presence:
    """A visitor's hot presence: its state and when it last showed activity / any sign."""

    state: str
    last_activity: float
    last_heartbeat: float


def arrived(now: float) -> Presence:
    """A visitor who just did something (page view, identify)."""
    return Presence(ACTIVE, now, now)


def state_at(presence: Presence, now: float) -> str:
    """What the state should be at `now`, from the timestamps alone."""
    if presence.state == LEFT or now - presence.last_heartbeat >= LEFT_AFTER:
        return LEFT
    if now - presence.last_activity >= IDLE_AFTER:
        return IDLE
    return ACTIVE


def on_event(previous: Presence | None, kind: str, active: bool, now: float) -> Presence:
    """The presence after an event of `kind` (page_view|heartbeat|identify|leave)."""
    if kind == "leave":
        # Gone unless the next page view arrives within LEAVE_GRACE seconds.
        base = previous or arrived(now)
        return replace(base, last_heartbeat=min(base.last_heartbeat,
                                                now - LEFT_AFTER + LEAVE_GRACE))
    if kind in ("page_view", "identify") or (kind == "heartbeat" and active):
        return arrived(now)
    # A passive heartbeat: the tab is open, nobody is using it.
    if previous is None:
        return Presence(IDLE, now - IDLE_AFTER, now)
    updated = Presence(ACTIVE, previous.last_activity, now)
    return replace(updated, state=state_at(updated, now))


def expire(presence: Presence, now: float) -> Presence:
    """Presence moved on by time alone (the scheduled expiry job)."""
    return replace(presence, state=state_at(presence, now))
