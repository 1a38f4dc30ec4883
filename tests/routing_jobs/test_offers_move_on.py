"""When routing moves on (SPEC 2.5, issue 12 defects 3 and 4).

An inbound request is an offer with a deadline in every mode, First Available included:
nobody accepting in time, or every alerted rep going away, sends the visitor to the
waiting queue or the meeting booker as the rule says. A pounce assignment is not an offer:
the Round Robin or Balanced rep keeps the visitor until they engage, pass or go away.
Jobs run through real RQ workers (SimpleWorker, burst); time moves with time-machine.
"""

from __future__ import annotations

import time

import pytest
import time_machine

from jobs import routing as routing_jobs
from liveapp.extensions import queue
from liveapp.services.live import prompts
from liveapp.services.routing import assignments, board_presence, declines, router, waiting_queue
from liveapp.services.tracking import hot_state
from tests.conftest import Browser
from tests.routing_jobs.conftest import run_scheduled, work


def offered(vid: str) -> list[int]:
    return assignments.get(vid).offered_to


def prompted(vid: str) -> set[int]:
    """The reps an accept prompt shows to now."""
    hot = hot_state.load(vid)
    return prompts.offered_reps(assignments.get(vid), hot, declines.excluded(vid))


def scheduled() -> int:
    return queue(routing_jobs.QUEUE).scheduled_job_registry.count


def pounced(make_rule, visit, reps, mode: str = "round_robin") -> str:
    """A live visitor routed for pounce under a rule of `mode` over `reps`."""
    make_rule(reps, distribution=mode, offer_timeout_seconds=20)
    vid = visit()
    router.enqueue_routing(vid, "pounce")
    work()
    return vid


def set_away(app, rep, value: str = "away") -> None:
    browser = Browser(app.test_client())
    assert browser.login(rep.email).status_code == 303
    assert browser.post("/auth/availability", {"availability": value}).status_code == 303


# ---------------------------------------------------------------- First Available requests


@pytest.mark.parametrize("when_nobody, outcome", [
    ("queue", "queue"), ("meeting_booker", "meeting_booker")])
def test_first_available_nobody_accepts_in_time_goes_as_the_rule_says(
        job_app, visit, three_reps, make_rule, when_nobody, outcome):
    make_rule(three_reps, offer_timeout_seconds=25, when_nobody=when_nobody)
    vid = visit()
    router.request_inbound(vid)
    work()
    first = assignments.get(vid)
    assert first.offered_to == [r.id for r in three_reps]
    assert first.offer_until == pytest.approx(first.at + 25)  # the prompts' countdown
    assert prompted(vid) == {r.id for r in three_reps}
    assert len(run_scheduled()) == 1  # one timeout for the whole request
    work()
    stored = assignments.get(vid)
    assert stored.outcome == outcome and stored.offered_to == []
    assert prompted(vid) == set()  # the prompts vanish
    assert stored.explanation.endswith("everyone alerted declined or let the request run out → "
                                       + ("meeting booker" if outcome == "meeting_booker"
                                          else "waiting in the queue for the next free rep"))
    assert waiting_queue.waiting() == ([vid] if outcome == "queue" else [])


def test_first_available_every_alerted_rep_going_away_ends_the_offer(
        job_app, app, visit, three_reps, make_rule):
    make_rule(three_reps, offer_timeout_seconds=300, when_nobody="meeting_booker")
    vid = visit()
    router.request_inbound(vid)
    work()
    for rep in three_reps[:2]:
        set_away(app, rep)
        work()
        assert assignments.get(vid).outcome == "offer"  # someone alerted is still there
    set_away(app, three_reps[2], "offline")
    work()
    stored = assignments.get(vid)
    assert stored.outcome == "meeting_booker" and prompted(vid) == set()
    assert "already declined or missed" not in stored.explanation  # they did neither
    assert declines.excluded(vid) == set()
    run_scheduled()  # the old deadline's job finds nothing to do
    work()
    assert assignments.get(vid).outcome == "meeting_booker"
    assert [h["outcome"] for h in router.history(vid)] == ["meeting_booker", "offer"]


def test_first_available_request_declined_by_one_stays_with_the_others(
        job_app, visit, three_reps, make_rule):
    ann, bob, cy = three_reps
    make_rule(three_reps, offer_timeout_seconds=40, when_nobody="queue")
    vid = visit()
    router.request_inbound(vid)
    work()
    until = assignments.get(vid).offer_until
    assert declines.decline(vid, bob.id)
    stored = assignments.get(vid)
    assert stored.offered_to == [ann.id, cy.id] and stored.offer_until == until
    assert stored.explanation.endswith("; Bob declined") and prompted(vid) == {ann.id, cy.id}
    assert bob.id not in stored.routed_to  # off Bob's board too
    assert declines.decline(vid, ann.id) and declines.decline(vid, cy.id)
    stored = assignments.get(vid)
    assert stored.outcome == "queue" and waiting_queue.waiting() == [vid]
    assert declines.excluded(vid) == {ann.id, bob.id, cy.id}


# ---------------------------------------------------------------- pounce assignments


@pytest.mark.parametrize("mode", ["round_robin", "balanced"])
def test_a_pounce_assignment_has_no_timer_and_stays_with_its_rep(job_app, api, visit,
                                                                 three_reps, make_rule, mode):

    ann = three_reps[0]
    vid = pounced(make_rule, visit, three_reps, mode)
    assert offered(vid) == [ann.id] and scheduled() == 0
    assert assignments.get(vid).offer_until is None  # no countdown: not an offer
    # Long after the old offer timeout, with more triggers (stream changes, reps coming
    # online), the visitor is still Ann's and nobody excluded her.
    with time_machine.travel(time.time() + 10 * 60):
        for rep in three_reps:  # their boards stay open (pings)
            board_presence.touch_board(rep.id)
        for _ in range(3):
            assert api.send(visitor_id=vid, type="heartbeat", active=True).status_code == 202
            router.enqueue_routing(vid, "pounce")
            waiting_queue.request_reoffer()
            work()
        assert offered(vid) == [ann.id] and declines.excluded(vid) == set()
        assert assignments.visible_to_rep(ann.id) == {vid}
    assert [h["offer_to"] for h in router.history(vid)] == [[ann.id]]


@pytest.mark.parametrize("mode", ["round_robin", "balanced"])
def test_a_pounce_visitor_who_asks_to_chat_is_routed_inbound(job_app, visit, three_reps,
                                                             make_rule, mode):
    """Seen in the demo: visitors held for pounce answered the flow and asked for a rep,
    and the request was taken for the hold (no offer, no prompt, no timeout). Under Round
    Robin the rep holding the visitor is offered the request first, though the next turn
    is another rep's."""
    ann = three_reps[0]
    vid = pounced(make_rule, visit, three_reps, mode)
    assert offered(vid) == [ann.id]
    router.request_inbound(vid)
    work()
    latest = router.history(vid)[0]
    assert latest["trigger"] == "inbound" and latest["outcome"] == "offer"
    stored = assignments.get(vid)
    assert stored.trigger == "inbound" and stored.offer_until is not None  # a countdown
    assert prompted(vid) == set(stored.offered_to) != set()
    assert scheduled() == 1  # the request's timeout
    if mode == "round_robin":
        assert stored.offered_to == [ann.id]


def test_a_pounce_rep_who_passes_hands_the_visitor_on(job_app, app, visit, three_reps,
                                                      make_rule):
    ann, bob, _ = three_reps
    vid = pounced(make_rule, visit, three_reps, "round_robin")
    browser = Browser(app.test_client())
    assert browser.login(ann.email).status_code == 303
    card = browser.get(f"/board/cards/{vid}").get_data(as_text=True)
    assert f'hx-post="/offers/{vid}/decline"' in card and ">Pass</button>" in card
    assert browser.post(f"/offers/{vid}/decline").status_code == 303
    assert offered(vid) == [bob.id] and declines.excluded(vid) == {ann.id}
    assert assignments.visible_to_rep(ann.id) == set()


def test_a_pounce_rep_going_away_hands_the_visitor_on_without_blame(
        job_app, app, visit, three_reps, make_rule):
    ann, bob, _ = three_reps
    vid = pounced(make_rule, visit, three_reps, "round_robin")
    set_away(app, ann)
    work()
    stored = assignments.get(vid)
    assert stored.offered_to == [bob.id] and declines.excluded(vid) == set()
    assert "Ann (away)" in stored.explanation and "declined or missed" not in stored.explanation


def test_a_pounce_reps_board_closing_hands_the_visitor_on(job_app, api, visit, three_reps,
                                                          make_rule):
    from jobs.board_presence import sweep_board_presence

    ann, bob, cy = three_reps
    vid = pounced(make_rule, visit, three_reps, "round_robin")
    sweep_board_presence()  # everyone's board is open
    assert offered(vid) == [ann.id]
    board_presence.board_closed(ann.id)
    later = time.time() + board_presence.OFFLINE_AFTER + 5
    with time_machine.travel(later):
        for rep in (bob, cy):  # their boards stay open (pings)
            board_presence.touch_board(rep.id)
        assert api.send(visitor_id=vid, type="heartbeat", active=True).status_code == 202
        changed = sweep_board_presence()
        assert changed["offline"] == [ann.id]
        work()
        stored = assignments.get(vid)
    assert stored.offered_to == [bob.id] and "Ann (offline)" in stored.explanation
    assert declines.excluded(vid) == set()
