"""Reps as routing sees them: chosen availability combined with board presence."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime

from flask import current_app

from liveapp.domain import board_presence as presence
from liveapp.domain import routing as domain
from liveapp.extensions import redis
from liveapp.infra import realtime
from liveapp.models import User
from liveapp.services.routing import routing_rules, working_hours


def _offline_after() -> float:
    return float(current_app.config.get("BOARD_OFFLINE_AFTER", presence.OFFLINE_AFTER))


def effective_availability(user: User, now: float | None = None) -> str:
    """The availability routing uses for this rep (their chosen one is kept as is)."""
    now = time.time() if now is None else now
    seen = realtime.last_seen(user.id)
    return presence.effective_availability(user.availability, seen, now, _offline_after())


def effective_availabilities(users: list[User], now: float | None = None) -> dict[int, str]:
    """`effective_availability` for many reps, with one Redis round trip."""
    now = time.time() if now is None else now
    seen = realtime.last_seen_many([u.id for u in users])
    limit = _offline_after()
    return {
        u.id: presence.effective_availability(u.availability, seen[u.id], now, limit)
        for u in users
    }


def sweep_board_presence(now: float | None = None) -> dict[str, list[int]]:
    """Find reps whose board presence flipped since the last sweep and tell admins.

    Routing does not need this (it asks `effective_availability` at decision time); it
    lets admin boards show a rep going offline two minutes after closing their board.

    Returns:
        {"online": [...], "offline": [...]}: the user ids that changed.
    """
    now = time.time() if now is None else now
    online = realtime.seen_since(now - _offline_after())
    key = redis.key("boards", "online")
    previous = {int(m) for m in redis.client.smembers(key)}
    pipe = redis.client.pipeline()
    pipe.delete(key)
    if online:
        pipe.sadd(key, *online)
    pipe.execute()
    changes = {"online": sorted(online - previous), "offline": sorted(previous - online)}
    for state, user_ids in changes.items():
        for user_id in user_ids:
            data = json.dumps({"user_id": user_id, "board": state})
            realtime.send(realtime.ADMIN_CHANNEL, "rep-presence", data)
    return changes


def with_board_presence(reps: list[domain.Rep], now: float | None = None) -> list[domain.Rep]:
    """Routing's reps with their effective availability (a closed board counts offline)."""
    now = time.time() if now is None else now
    seen = realtime.last_seen_many([r.id for r in reps])
    limit = _offline_after()
    effective = {r.id: presence.effective_availability(r.availability, seen[r.id], now, limit)
                 for r in reps}
    # Effective availability differs from the chosen one only when the board closed.
    return [r if r.availability == effective[r.id]
            else replace(r, availability=effective[r.id], board_closed=True)
            for r in reps]


def routing_reps(now: float | None = None) -> list[domain.Rep]:
    """Every user exactly as the routing decision sees them at `now` (epoch seconds):
    their settings, chat load and working hours, then board presence."""
    now = time.time() if now is None else now
    candidates = routing_rules.reps_for_routing(datetime.fromtimestamp(now, UTC))
    return with_board_presence(candidates, now)


def routing_states(users: Iterable[User], now: float | None = None) -> dict[int, domain.RepState]:
    """Per user id, the state routing sees them in now, in the words of its explanations."""
    hours = {u.id: working_hours.describe(u.working_hours, u.time_zone) for u in users}
    return {rep.id: domain.rep_state(rep, hours[rep.id])
            for rep in routing_reps(now) if rep.id in hours}
