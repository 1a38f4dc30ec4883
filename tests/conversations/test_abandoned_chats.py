"""Conversations whose visitor left the site close on their own (issue 12, defect 13):
after CHAT_CLOSE_AFTER_LEFT seconds (300 by default) the worker's clock closes them with a
note in the transcript, live on the rep's panel, and frees the rep's chat slot. The clock's
task runs as the clock runs it (jobs/clock.py); time moves with time-machine."""

from __future__ import annotations

import time

import pytest
import time_machine

from jobs.conversations import close_abandoned_chats
from liveapp.domain.visitor_presence import LEAVE_GRACE, LEFT_AFTER
from liveapp.extensions import db
from liveapp.infra import realtime
from liveapp.models import Conversation
from liveapp.services.chat import conversations
from liveapp.services.live import boards
from liveapp.services.routing import assignments, board_presence, router, waiting_queue
from liveapp.services.tracking import visitor_events
from tests.board.conftest import record  # noqa: F401  (live events read from Redis)
from tests.conversations.test_claiming import routed
from tests.routing_jobs.conftest import job_app, make_rep, make_rule  # noqa: F401
from tests.routing_jobs.conftest import work as work_routing

CLOSE_AFTER = 300


EVERY = 30  # seconds between the clock's runs (CHAT_CLOSING_EVERY's default)


def run_closing_job() -> None:
    """The clock's task, as the worker's clock runs it when its slot comes."""
    close_abandoned_chats()


def status(conversation: Conversation) -> str:
    db.session.expire_all()
    return db.session.get(Conversation, conversation.id).status


@pytest.fixture
def chatter(job_app, api, rep):  # noqa: F811
    """A visitor routed to Rita (the job's worker runs against the test app)."""
    return routed(api, rep)


@pytest.fixture
def chatting(chatter, rep):
    """Rita chats with the visitor."""
    conversation = conversations.claim(chatter, rep, "pounce")
    conversations.post(conversation, "visitor", "Is there an annual discount?")
    return conversation


def leave(api, vid: str, at: float) -> float:
    """The visitor's tab sends `leave` at `at`; presence expiry marks them left. Returns
    when they count as left."""
    with time_machine.travel(at, tick=False):
        assert api.send(visitor_id=vid, type="leave").status_code == 202
    visitor_events.expire_presence(at + LEAVE_GRACE + 1)
    return at + LEAVE_GRACE


def test_a_left_visitors_chat_closes_with_a_note_after_the_limit(
        app, api, chatter, chatting, rep, record):  # noqa: F811
    assert app.config["CHAT_CLOSE_AFTER_LEFT"] == CLOSE_AFTER  # the default
    left_at = leave(api, chatter, time.time())
    with time_machine.travel(left_at + CLOSE_AFTER - EVERY, tick=False):
        run_closing_job()  # gone 4.5 minutes: still open
    assert status(chatting) == "open"

    recorder = record(realtime.rep_channel(rep.id))
    with time_machine.travel(left_at + CLOSE_AFTER + 10, tick=False):
        run_closing_job()
    assert status(chatting) == "closed"
    last = db.session.get(Conversation, chatting.id).messages[-1]
    assert (last.sender, last.body) == ("system",
                                        "Closed: the visitor left the site 5 minutes ago")
    assert assignments.get(chatting.visitor_id).claimed_by is None
    [panel] = [d for _, e, d in recorder.take() if e == boards.detail_event(
        chatting.visitor_id) and f'id="chat-{chatting.visitor_id}"' in d]
    assert "Closed: the visitor left the site 5 minutes ago" in panel
    assert 'class="message message-system"' in panel

    with time_machine.travel(left_at + CLOSE_AFTER + 40, tick=False):
        run_closing_job()  # again: nothing more
    assert len(db.session.get(Conversation, chatting.id).messages) == 2


def test_a_visitor_who_comes_back_keeps_the_chat_open(app, api, chatter, chatting):
    left_at = leave(api, chatter, time.time())
    with time_machine.travel(left_at + 120, tick=False):
        assert api.send(visitor_id=chatter).status_code == 202  # back
    with time_machine.travel(left_at + 120 + LEFT_AFTER - 5, tick=False):
        run_closing_job()
    assert status(chatting) == "open"


def test_a_silent_visitor_counts_as_left_a_minute_after_the_last_heartbeat(
        api, chatting, monkeypatch, app):
    monkeypatch.setitem(app.config, "CHAT_CLOSE_AFTER_LEFT", 60)
    start = time.time()  # the laptop closed: no leave, no more heartbeats
    with time_machine.travel(start + LEFT_AFTER + 50, tick=False):
        run_closing_job()
    assert status(chatting) == "open"
    with time_machine.travel(start + LEFT_AFTER + 65, tick=False):
        run_closing_job()  # the expiry job never ran: the timestamps say it all
    assert status(chatting) == "closed"
    note = db.session.get(Conversation, chatting.id).messages[-1].body
    assert note == "Closed: the visitor left the site 1 minute ago"


def test_closing_frees_the_reps_slot_for_the_waiting_queue(
        app, api, job_app, make_rep, make_rule):  # noqa: F811
    ann = make_rep(name="Ann", email="ann@example.com", max_concurrent_chats=1)
    make_rule([ann], name="Everyone", distribution="first_available", when_nobody="queue")
    gone = routed(api, ann)
    chat = conversations.claim(gone, ann, "pounce")
    waiting = routed(api)
    router.request_inbound(waiting)
    work_routing()
    assert waiting_queue.waiting() == [waiting]  # Ann is at her chat limit (1/1)

    left_at = leave(api, gone, time.time())
    with time_machine.travel(left_at + CLOSE_AFTER + 1, tick=False):
        assert api.send(visitor_id=waiting, type="heartbeat", active=True).status_code == 202
        board_presence.touch_board(ann.id)  # both still there, Ann with her board open
        run_closing_job()
        work_routing()  # the drain that the close asked for
    assert status(chat) == "closed" and conversations.open_chats(ann.id) == 0
    assert waiting_queue.waiting() == []
    assert assignments.get(waiting).offered_to == [ann.id]


def test_a_rep_closing_at_the_same_time_leaves_one_close(api, chatting, app):
    twin = db.session.get(Conversation, chatting.id)
    assert conversations.close(chatting, "first") is True
    assert conversations.close(twin, "second") is False
    db.session.expire_all()
    bodies = [m.body for m in db.session.get(Conversation, chatting.id).messages]
    assert bodies == ["Is there an annual discount?", "first"]

