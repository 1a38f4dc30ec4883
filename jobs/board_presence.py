"""Board presence sweep: notices reps whose board has been closed for two minutes, and
routes their unclaimed visitors on. The worker's clock runs it every half minute
(`BOARD_SWEEP_EVERY`, see jobs/clock.py)."""

from __future__ import annotations

from jobs import app_context
from liveapp.services.live import boards
from liveapp.services.routing import board_presence, declines


def sweep_board_presence() -> dict[str, list[int]]:
    """Publish board presence changes and take expired "viewing" markers off the cards
    (idempotent)."""
    with app_context():
        boards.sweep_viewers()
        changed = board_presence.sweep()
        for user_id in changed["offline"]:  # their visitors move on (SPEC 2.5)
            declines.rep_went_away(user_id)
        return changed
