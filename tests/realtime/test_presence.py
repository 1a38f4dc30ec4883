"""Board presence for routing: effective availability and the presence sweep job."""

from __future__ import annotations

import json
import time

from liveapp.infra import realtime
from liveapp.infra.fanout import hub_for
from liveapp.services.routing import board_presence, reps


def test_effective_availability_combines_choice_and_board(app_ctx, make_user):
    now = time.time()
    open_board = make_user(availability="available")
    closed_long_ago = make_user(availability="available")
    away = make_user(availability="away")
    chose_offline = make_user(availability="offline")
    never = make_user(availability="available")
    for user in (open_board, away, chose_offline):
        board_presence.touch_board(user.id, now=now - 5)
    board_presence.board_closed(closed_long_ago.id, now=now - 121)

    expected = {
        open_board.id: "available",
        closed_long_ago.id: "offline",
        away.id: "away",
        chose_offline.id: "offline",
        never.id: "offline",
    }
    users = [open_board, closed_long_ago, away, chose_offline, never]
    assert reps.effective_availabilities(users, now=now) == expected
    assert {u.id: reps.effective_availability(u, now=now) for u in users} == expected
    assert closed_long_ago.availability == "available"  # their choice is kept


def test_sweep_tells_admins_who_went_offline_once(app, app_ctx, make_user):
    rep = make_user()
    now = time.time()
    hub = hub_for(app)
    admins = hub.subscribe(realtime.redis_channel(realtime.ADMIN_CHANNEL))
    try:
        assert hub.wait_ready(5)
        board_presence.touch_board(rep.id, now=now)
        assert board_presence.sweep(now=now) == {"online": [rep.id], "offline": []}
        assert board_presence.sweep(now=now + 60) == {"online": [], "offline": []}
        assert board_presence.sweep(now=now + 121) == {"online": [], "offline": [rep.id]}
        frames = [admins.get(5), admins.get(5)]
        payloads = [json.loads(f.split("data: ", 1)[1]) for f in frames if f]
        assert payloads == [
            {"user_id": rep.id, "board": "online"}, {"user_id": rep.id, "board": "offline"}
        ]
        assert admins.get(0.1) is None  # nothing for sweeps that changed nothing
    finally:
        hub.unsubscribe(admins)

