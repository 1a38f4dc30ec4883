"""A visitor waiting in the queue sees their place and an estimate of the wait, live as the
line moves (a `queue` event on their own channel, and in the widget's state), and may
take the meeting booker instead at any time."""

from __future__ import annotations

import json

from liveapp.extensions import db
from liveapp.infra import realtime
from liveapp.services.chat import conversations
from liveapp.services.chat.tokens import visitor_token
from liveapp.services.routing import (
    assignments,
    board_presence,
    queue_places,
    router,
    waiting_queue,
)
from tests.board.conftest import Recorder
from tests.clock import at_each_instant
from tests.routing_jobs.conftest import work

pytestmark = at_each_instant  # reads the wall clock: see tests/clock.py


def _queued(visit, rep, make_rule, n: int) -> list[str]:
    rep.availability = "away"
    db.session.commit()
    make_rule([rep], when_nobody="queue")
    visitors = [visit() for _ in range(n)]
    for vid in visitors:
        router.request_inbound(vid)
    work()
    assert waiting_queue.waiting() == visitors
    return visitors


def _places(recorder: Recorder, visitors: list[str]) -> dict[str, list[dict]]:
    told = {vid: [] for vid in visitors}
    for channel, event, data in recorder.take():
        if event == "queue":
            told[channel.removeprefix("visitor:")].append(json.loads(data))
    return told


def _state(job_app, vid: str) -> dict:
    return job_app.test_client().get(f"/t/v1/chat?token={visitor_token(vid)}").get_json()


def test_waiting_visitors_see_their_place_and_move_up_live(
        job_app, visit, rep, make_rule):
    first, second, third = visitors = [visit() for _ in range(3)]
    recorder = Recorder([realtime.visitor_channel(v) for v in visitors])
    rep.availability = "away"
    db.session.commit()
    make_rule([rep], when_nobody="queue")
    for vid in visitors:
        router.request_inbound(vid)
    work()
    # Each joining moved the line: everyone waiting was told, the last word being right.
    told = _places(recorder, visitors)
    assert [t[-1]["text"] for t in (told[first], told[second], told[third])] == [
        "You're next in line.", "You're 2nd in line.", "You're 3rd in line."]
    state = _state(job_app, second)
    assert state["status"] == "waiting"
    assert state["queue"] == {"position": 2, "estimate_seconds": None,
                              "text": "You're 2nd in line."}

    # Enough recent accepts for an estimate; then a rep takes the first: the line moves up.
    for seconds in (30.0, 30.0, 30.0):
        queue_places.record_wait(seconds)
    conversations.claim(first, rep, "inbound")
    assert len(queue_places.recent_waits()) == 4  # the first's own wait, kept
    told = _places(recorder, visitors)
    assert told[first] == []  # no longer waiting: told nothing
    assert told[second][-1]["text"] == "You're next in line, less than a minute."
    assert told[third][-1] == {"position": 2, "estimate_seconds": 60,
                               "text": "You're 2nd in line, about 1 minute."}
    assert _state(job_app, first)["queue"] is None
    recorder.close()


def test_a_waiting_visitor_may_book_a_meeting_instead(job_app, visit, rep, make_rule):
    leaving, staying = _queued(visit, rep, make_rule, 2)
    client = job_app.test_client()
    recorder = Recorder([realtime.visitor_channel(staying)])
    answer = client.post("/t/v1/chat/booker", json={"token": visitor_token(leaving)})
    assert answer.status_code == 202, answer.get_json()
    booker = assignments.get(leaving)
    assert booker.outcome == "meeting_booker"
    assert booker.explanation.endswith(
        "the visitor chose the meeting booker while waiting in the queue → meeting booker")
    assert waiting_queue.waiting() == [staying]
    assert _state(job_app, leaving)["status"] == "booker"
    assert _places(recorder, [staying])[staying][-1]["text"] == "You're next in line."
    recorder.close()

    # Not (or no longer) waiting: refused, nothing changes; a forged token is refused.
    again = client.post("/t/v1/chat/booker", json={"token": visitor_token(leaving)})
    assert again.status_code == 409 and "not waiting in the queue" in again.get_json()["error"]
    assert assignments.get(leaving).outcome == "meeting_booker"
    forged = client.post("/t/v1/chat/booker", json={"token": visitor_token(staying) + "x"})
    assert forged.status_code == 403
    assert waiting_queue.waiting() == [staying]

    # A rep coming back offers the one still waiting. (That who chose the booker keeps it
    # even when their stream would re-offer them: tests/scenarios/test_queue_places.py.)
    rep.availability = "available"
    db.session.commit()
    board_presence.touch_board(rep.id)  # her board is open
    waiting_queue.rep_became_available(rep.id)
    work()
    assert assignments.get(staying).offered_to == [rep.id]
    assert assignments.get(leaving).outcome == "meeting_booker"
    assert _state(job_app, leaving)["status"] == "booker"
