"""Reps as routing sees them: chosen availability combined with board presence."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime

from liveapp.domain import routing as domain
from liveapp.models import User
from liveapp.services.routing import board_presence, compiled_rules, working_hours


def effective_availability(user: User, now: float | None = None) -> str:
    """The availability routing uses for this rep (their chosen one is kept as is)."""
    now = time.time() if now is None else now
    seen = board_presence.last_seen(user.id)
    return board_presence.effective(user.availability, seen, now)


def effective_availabilities(users: list[User], now: float | None = None) -> dict[int, str]:
    """`effective_availability` for many reps, with one Redis round trip."""
    now = time.time() if now is None else now
    seen = board_presence.last_seen_many([u.id for u in users])
    return {
        u.id: board_presence.effective(u.availability, seen[u.id], now)
        for u in users
    }


def with_board_presence(reps: list[domain.Rep], now: float | None = None) -> list[domain.Rep]:
    """Routing's reps with their effective availability (a closed board counts offline)."""
    now = time.time() if now is None else now
    seen = board_presence.last_seen_many([r.id for r in reps])
    effective = {r.id: board_presence.effective(r.availability, seen[r.id], now)
                 for r in reps}
    # Effective availability differs from the chosen one only when the board closed.
    return [r if r.availability == effective[r.id]
            else replace(r, availability=effective[r.id], board_closed=True)
            for r in reps]


def routing_reps(now: float | None = None) -> list[domain.Rep]:
    """Every user exactly as the routing decision sees them at `now` (epoch seconds):
    their settings, chat load and working hours, then board presence."""
    now = time.time() if now is None else now
    candidates = compiled_rules.reps_for_routing(datetime.fromtimestamp(now, UTC))
    return with_board_presence(candidates, now)


def routing_states(users: Iterable[User], now: float | None = None) -> dict[int, domain.RepState]:
    """Per user id, the state routing sees them in now, in the words of its explanations."""
    hours = {u.id: working_hours.describe(u.working_hours, u.time_zone) for u in users}
    return {rep.id: domain.rep_state(rep, hours[rep.id])
            for rep in routing_reps(now) if rep.id in hours}
