"""Board presence sweep: notices reps whose board has been closed for two minutes, and
routes their unclaimed visitors on."""

from __future__ import annotations

from jobs import app_context, schedule_in_slot

SWEEP_EVERY = 30  # seconds


def sweep_board_presence() -> dict[str, list[int]]:
    """Publish board presence changes and take expired "viewing" markers off the cards,
    then schedule the next sweep (idempotent)."""
    with app_context():
        from liveapp.services import board_live, reps, routing

        try:
            board_live.sweep_viewers()
            changed = reps.sweep_board_presence()
            for user_id in changed["offline"]:  # their visitors move on (SPEC 2.5)
                routing.rep_went_away(user_id)
            return changed
        finally:
            schedule_next_sweep()


def schedule_next_sweep(now: float | None = None) -> str:
    """Schedule the sweep of the next time slot; one job id per slot, so repeats are no-ops.

    Returns:
        The scheduled job's id.
    """
    return schedule_in_slot("presence-sweep", SWEEP_EVERY,
                            "jobs.board_presence.sweep_board_presence", "low", now)
