"""Inbound visitors nobody could take wait in a queue and are offered, oldest first, the
moment a rep becomes available (not on a timer); after the queue wait, the meeting booker."""

from __future__ import annotations

from dataclasses import replace

import pytest

from jobs import routing as routing_jobs
from liveapp.extensions import db, queue, redis
from liveapp.services.routing import assignments, board_presence, router, waiting_queue
from liveapp.services.tracking import hot_state
from tests.clock import at_each_instant
from tests.routing_jobs.conftest import work

pytestmark = at_each_instant  # reads the wall clock: see tests/clock.py


def availability(browser, value: str):
    return browser.post("/auth/availability", {"availability": value})


def test_waiting_visitors_are_offered_oldest_first_when_a_rep_becomes_available(
        job_app, visit, rep, as_rep, make_rule):
    rep.availability = "away"
    db.session.commit()
    board_presence.touch_board(rep.id)
    make_rule([rep], when_nobody="queue")
    visitors = [visit() for _ in range(3)]
    for vid in visitors:
        router.request_inbound(vid)
    work()
    assert waiting_queue.waiting() == visitors
    assert all(assignments.get(v).outcome == "queue" for v in visitors)
    assert assignments.get(visitors[0]).explanation.endswith(
        "nobody eligible → waiting in the queue for the next free rep")
    router.request_inbound(visitors[0])  # asking again keeps the original place
    work()
    assert waiting_queue.waiting() == visitors

    assert availability(as_rep, "available").status_code == 303
    jobs = {job.func_name: job for job in queue(routing_jobs.QUEUE).jobs}
    assert set(jobs) == {"jobs.routing.drain_queue", "jobs.routing.reoffer_unrouted"}
    drain = jobs["jobs.routing.drain_queue"]
    work()
    drain.refresh()
    assert drain.return_value() == visitors  # offered in request order, oldest first
    assert waiting_queue.waiting() == []
    assert all(assignments.get(v).offered_to == [rep.id] for v in visitors)
    assert assignments.visible_to_rep(rep.id) == set(visitors)


def test_no_drain_without_waiting_visitors_or_for_away(job_app, visit, rep, as_rep, make_rule):
    make_rule([rep], when_nobody="queue")
    assert availability(as_rep, "away").status_code == 303
    assert availability(as_rep, "available").status_code == 303
    assert queue(routing_jobs.QUEUE).count == 0  # nobody waiting: no job at all
    rep.availability = "away"
    db.session.commit()
    router.request_inbound(visit())
    work()
    assert availability(as_rep, "offline").status_code == 303
    assert queue(routing_jobs.QUEUE).count == 0


def test_a_visitor_who_left_leaves_the_queue(job_app, visit, rep, make_rule):
    rep.availability = "away"
    db.session.commit()
    make_rule([rep], when_nobody="queue")
    gone, staying = visit(), visit()
    for vid in (gone, staying):
        router.request_inbound(vid)
    work()
    state = hot_state.load(gone)
    hot_state.save_presence(gone, replace(state.presence, state="left"))
    rep.availability = "available"
    db.session.commit()
    board_presence.touch_board(rep.id)
    assert waiting_queue.drain_queue() == [staying]
    assert waiting_queue.waiting() == []


def test_nobody_with_the_meeting_booker_rule_gets_the_booker_not_the_queue(
        job_app, visit, rep, make_rule):
    rep.availability = "offline"
    db.session.commit()
    make_rule([rep], when_nobody="meeting_booker")
    vid = visit()
    router.request_inbound(vid)
    work()
    assert assignments.get(vid).outcome == "meeting_booker"
    assert waiting_queue.waiting() == []


def test_chat_closed_asks_for_a_drain(job_app, visit, rep, make_rule):
    rep.availability = "away"
    db.session.commit()
    make_rule([rep], when_nobody="queue")
    router.request_inbound(visit())
    work()
    assert waiting_queue.chat_closed(rep.id) is not None
    assert waiting_queue.chat_closed(rep.id) is None  # one drain waiting is enough


def test_opening_the_board_offers_waiting_visitors(job_app, visit, rep, as_rep, make_rule):
    import contextvars

    from flask.testing import FlaskClient

    make_rule([rep], when_nobody="queue")  # available, but the board is closed: offline
    vid = visit()
    router.request_inbound(vid)
    work()
    assert waiting_queue.waiting() == [vid]

    url = f"/events/stream?channel=rep:{rep.id}"

    def open_board():  # in a fresh context, as a server would run it
        response = FlaskClient.open(as_rep.client, url, buffered=False)
        assert response.status_code == 200
        next(iter(response.response))
        response.close()

    contextvars.Context().run(open_board)
    work()
    assert waiting_queue.waiting() == []
    assert assignments.get(vid).offered_to == [rep.id]


def test_a_visitor_nobody_takes_in_time_gets_the_meeting_booker(
        job_app, visit, rep, make_rule, monkeypatch):
    from tests.routing_jobs.conftest import run_scheduled

    monkeypatch.setitem(job_app.config, "ROUTING_QUEUE_WAIT", 60)
    rep.availability = "away"
    db.session.commit()
    rule = make_rule([rep], when_nobody="queue")
    waiting, taken = visit(), visit()
    for vid in (waiting, taken):
        router.request_inbound(vid)
    work()
    assert waiting_queue.waiting() == [waiting, taken]
    router.request_inbound(waiting)  # asking again schedules no second timeout
    work()
    registry = queue(routing_jobs.QUEUE).scheduled_job_registry
    due = [redis.client.zscore(registry.key, job_id) for job_id in registry.get_job_ids()]
    asked = redis.client.zscore(router.waiting_key(), waiting)
    assert len(due) == 2 and min(due) == pytest.approx(asked + 60, abs=1)

    # Before the wait is over someone takes the second visitor: their timeout does nothing.
    from liveapp.services.chat import conversations

    conversations.claim(taken, rep, "inbound")
    assert len(run_scheduled()) == 2  # as if the wait were over
    work()
    booker = assignments.get(waiting)
    assert booker.outcome == "meeting_booker" and booker.trigger == "inbound"
    assert booker.rule_name == rule.name
    assert booker.explanation.endswith("in the queue and nobody was free → meeting booker")
    assert booker.explanation.startswith(f"rule '{rule.name}' matched")
    assert "waiting in the queue for the next free rep" not in booker.explanation
    assert waiting_queue.waiting() == []
    assert assignments.get(taken).claimed_by == rep.id
    # Widget: the visitor now sees the booker, and its calendar is the rule's rep.
    from liveapp.services.chat import chat_flow, meetings

    assert chat_flow.status_of(waiting) == "booker"
    assert meetings.calendar_owner(waiting) == rep
