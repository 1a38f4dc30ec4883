"""Redis killed (SIGKILL) and started again on its port under load: while it is down the
web answers 503 (never 202 for an event it did not keep); afterwards boards are told to
re-sync without a reload, the pipeline and the worker go on, and every page view and chat
message the stack accepted is in the database.

The stack's Redis is its own embedded server, also when REDIS_URL is set: it keeps an
append-only file (what it acknowledged survives its restart; see embedded_redis)."""

from __future__ import annotations

import signal
import time

import httpx

from tests.reliability.checks import (
    chatting_visitor,
    every_page_view_recorded,
    only_clear_refusals,
    still_routes,
    visitor_messages,
)
from tests.reliability.conftest import kill_redis, signal_process, start_redis
from tests.reliability.load import Load
from tests.scenarios.people import eventually, holds

DOWN = 3.0  # seconds Redis stays down


def test_nothing_accepted_is_lost_when_redis_restarts(stack, team, visitor, site_key,
                                                      database):
    admin = team["admin"]
    person = chatting_visitor(admin, visitor)
    before = {name: len(rep.events("resync")) for name, rep in team.items()}
    with Load(stack.url, site_key, stack.env["SECRET_KEY"], chat_token=person.token) as load:
        eventually(lambda: load.pages.count() > 20 and load.messages.count() > 5, 15,
                   "load under way")
        # The pipeline lags (paused): accepted events wait in Redis when it goes down.
        signal_process(stack, "pipeline", signal.SIGSTOP)
        accepted_then = load.pages.count()
        eventually(lambda: load.pages.count() > accepted_then + 20, 10, "a backlog")
        port = kill_redis(stack)
        signal_process(stack, "pipeline", signal.SIGCONT)
        refused_before = load.pages.statuses[503]
        # While Redis is down: the web answers, with 503s that say so.
        eventually(lambda: load.pages.statuses[503] > refused_before + 5, 10, "503s")
        health = httpx.get(f"{stack.url}/healthz", timeout=5)
        assert health.status_code == 503, health.text
        time.sleep(DOWN)
        start_redis(stack, port)
        accepted_then = load.pages.count()
        eventually(lambda: load.pages.count() > accepted_then + 20, 20,
                   "page views accepted again")
    only_clear_refusals(load)
    assert load.messages.statuses[201] > 5 and load.messages.statuses[503] > 0, \
        load.messages.statuses

    # Every accepted page view and message is recorded (the pipeline resumed).
    every_page_view_recorded(database, load)
    bodies = visitor_messages(database, person.id)
    lost = [body for body in load.messages.accepted.get("chat", []) if body not in bodies]
    assert not lost, lost
    assert sorted(bodies) == sorted(set(bodies)), "a message stored twice"

    # Every open board was told to re-sync (its stream stayed open: no reload).
    for name, rep in team.items():
        eventually(lambda rep=rep, name=name: len(rep.events("resync")) > before[name], 10,
                   f"{name}'s board told to re-sync")
    # The worker and the pipeline go on: a new visitor is routed as before.
    still_routes(team, visitor)
    holds(lambda: httpx.get(f"{stack.url}/healthz", timeout=5).status_code == 200, 1,
          "healthy")

