"""Board presence rules (pure): a rep's open board is their presence for routing."""

from __future__ import annotations

OFFLINE_AFTER = 120.0  # seconds a board may stay closed before its rep counts as offline


def board_online(last_seen: float | None, now: float, offline_after: float = OFFLINE_AFTER) -> bool:
    """True while the rep's board was seen within `offline_after` seconds of `now`."""
    return last_seen is not None and now - last_seen <= offline_after


def effective_availability(
    chosen: str, last_seen: float | None, now: float, offline_after: float = OFFLINE_AFTER
) -> str:
    """The availability routing uses: the rep's chosen one, or "offline" while their board
    has been closed too long. The chosen value itself is never changed."""
    if chosen == "offline" or not board_online(last_seen, now, offline_after):
        return "offline"
    return chosen
