"""Conversations whose visitor left the site: when one counts as abandoned, and the note
its transcript gets when it is closed for that reason.

A visitor counts as left LEFT_AFTER seconds after their last heartbeat (a `leave` moves
that to a few seconds after it: see `presence.on_event`). An open conversation with a
visitor gone that long holds a slot of the rep's chat limit for nothing.
"""

from __future__ import annotations

from liveapp.domain.visitor_presence import LEFT, LEFT_AFTER, Presence, state_at


def gone_for(presence: Presence | None, last_seen: float, now: float) -> float | None:
    """Seconds the visitor has counted as left at `now`, or None while they are on the site.

    Args:
        presence: their hot presence; None once it expired (long after they left).
        last_seen: their last sign (epoch seconds), used when `presence` is None.
        now: the time to judge at.
    """
    if presence is not None and state_at(presence, now) != LEFT:
        return None
    last_sign = presence.last_heartbeat if presence is not None else last_seen
    return max(0.0, now - (last_sign + LEFT_AFTER))


def closing_note(seconds_gone: float) -> str:
    """The transcript's note: "Closed: the visitor left the site 5 minutes ago"."""
    if seconds_gone < 60:
        amount = max(1, round(seconds_gone))
        unit = "second"
    else:
        amount, unit = round(seconds_gone / 60), "minute"
    return f"Closed: the visitor left the site {amount} {unit}{'' if amount == 1 else 's'} ago"
