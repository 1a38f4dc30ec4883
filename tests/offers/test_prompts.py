"""Accept prompts for inbound chat requests: who is prompted (First Available: every
candidate; Round Robin: the rep whose turn it is), prompts that move on a timeout through
a real worker, and that disappear when claimed, declined or the visitor left."""

from __future__ import annotations

import time

from liveapp.domain.visitor_presence import LEAVE_GRACE
from liveapp.services.chat import conversations
from liveapp.services.live import prompts
from liveapp.services.routing import assignments, declines, router
from liveapp.services.tracking import visitor_events
from tests.clock import at_each_instant
from tests.offers.conftest import channel, offers
from tests.routing_jobs.conftest import run_scheduled, work


def asked(vid: str) -> None:
    """The visitor asks to chat; the routing job runs."""
    router.request_inbound(vid)
    work()


def test_first_available_prompts_every_candidate_at_once(job_app, visit, two_reps, make_rule,
                                                         record):
    ann, bob = two_reps
    make_rule(two_reps, name="Pricing visitors", distribution="first_available")
    recorder = record(channel(ann), channel(bob))
    vid = visit(traits={"name": "Vera Visitor"})
    router.enqueue_routing(vid, "pounce")
    work()  # offered for pounce: no prompt, nobody asked to chat (an arrival notice only)
    assert assignments.get(vid).offered_to == [ann.id, bob.id]
    assert offers(recorder.take()) == {
        channel(rep): ["afterbegin:#offers-list"] for rep in two_reps}
    asked(vid)
    events = [e for e in recorder.take() if e[1] == "offer"]
    assert offers(events) == {
        channel(rep): ["afterbegin:#offers-list"] for rep in two_reps}
    data = events[0][2]
    assert "Vera Visitor" in data and "Pricing plans" in data and "Pricing visitors" in data
    assert "Accept" in data and "Decline" in data
    until = int(assignments.get(vid).offer_until)  # First Available requests run out too
    assert f'data-until="{until}"' in data
    assert f'/conversations/claim/{vid}' in data and f"/offers/{vid}/decline" in data


@at_each_instant  # offer deadlines are wall-clock times
def test_round_robin_prompts_one_rep_then_the_next_on_timeout(job_app, visit, two_reps,
                                                              make_rule, record):
    ann, bob = two_reps
    make_rule(two_reps, distribution="round_robin", offer_timeout_seconds=20)
    vid = visit()
    work()
    recorder = record(channel(ann), channel(bob))
    asked(vid)
    first = [e for e in recorder.take() if e[1] == "offer"]
    until = int(assignments.get(vid).offer_until)
    assert offers(first) == {channel(ann): ["afterbegin:#offers-list"]}
    assert f'data-until="{until}"' in first[0][2]
    assert len(run_scheduled(ann.id)) == 1  # Ann lets it run out
    work()
    assert offers(recorder.take()) == {
        channel(ann): [f"delete #offer-{vid}"],
        channel(bob): ["afterbegin:#offers-list"]}
    run_scheduled(bob.id)
    work()  # nobody left: the meeting booker, no prompt anywhere
    assert offers(recorder.take()) == {channel(bob): [f"delete #offer-{vid}"]}
    assert assignments.get(vid).outcome == "meeting_booker"


def test_a_claim_takes_the_prompt_off_every_board(job_app, visit, two_reps, make_rule, record):
    """The rep who accepted loses the prompt; the others see who accepted first in its place
    (not a prompt: nothing to accept)."""
    ann, bob = two_reps
    make_rule(two_reps)
    vid = visit(traits={"name": "Vera <b>Visitor</b>"})
    asked(vid)
    recorder = record(channel(ann), channel(bob))
    conversations.claim(vid, ann, "inbound")
    events = recorder.take()
    assert offers(events) == {
        channel(ann): [f"delete #offer-{vid}"], channel(bob): [f"true #offer-{vid}"]}
    note = next(data for chan, event, data in events if chan == channel(bob) and event == "offer")
    assert "Ann Rep accepted first." in note and "data-offer-taken" in note
    assert "Vera &lt;b&gt;Visitor&lt;/b&gt;" in note and "<b>Visitor" not in note
    assert "data-accept" not in note and "data-until" not in note
    assert prompts.prompts_for(bob.id) == []  # a reload shows nothing
    assert offers(recorder.take()) == {}


def test_leaving_takes_the_prompt_away(job_app, visit, api, two_reps, make_rule, record):
    make_rule(two_reps)
    vid = visit()
    asked(vid)
    recorder = record(*(channel(r) for r in two_reps))
    assert api.send(visitor_id=vid, type="leave").status_code == 202
    visitor_events.expire_presence(time.time() + LEAVE_GRACE + 1)
    assert offers(recorder.take()) == {
        channel(r): [f"delete #offer-{vid}"] for r in two_reps}


def test_changes_that_alter_nothing_send_nothing(job_app, visit, api, two_reps, make_rule,
                                                 record):
    make_rule(two_reps)
    vid = visit()
    asked(vid)
    recorder = record(*(channel(r) for r in two_reps))
    for _ in range(3):
        assert api.send(visitor_id=vid, type="heartbeat", active=True).status_code == 202
    assert prompts.refresh(vid) == []
    assert offers(recorder.take()) == {}
    # A new page changes the prompt: updated in place on both boards.
    assert api.send(visitor_id=vid, url="https://www.example.com/demo",
                    title="Book a demo").status_code == 202
    events = [e for e in recorder.take() if e[1] == "offer"]
    assert offers(events) == {channel(r): [f"true #offer-{vid}"] for r in two_reps}
    assert "Book a demo" in events[0][2]


def test_prompts_for_a_board_load(job_app, visit, two_reps, make_rule, make_rep):
    ann, bob = two_reps
    make_rule(two_reps, distribution="round_robin", offer_timeout_seconds=20)
    first, second = visit(), visit()
    asked(first)
    asked(second)  # the rotation: first to Ann, second to Bob
    assert [p.visitor_id for p in prompts.prompts_for(ann.id)] == [first]
    assert [p.visitor_id for p in prompts.prompts_for(bob.id)] == [second]
    prompt = prompts.prompts_for(ann.id)[0]
    assert prompt.offer_until == assignments.get(first).offer_until
    # Long overdue (its timeout job lost): shown to nobody.
    late = prompt.offer_until + router.OFFER_GRACE + 1
    assert prompts.prompts_for(ann.id, now=late) == []


def test_going_away_withdraws_a_first_available_prompt_at_once(job_app, visit, two_reps,
                                                               make_rule, record, signed_in):
    """Before any routing job runs: Ann's prompt (and countdown) leaves her board, Bob's
    stays, updated in place (it no longer names Ann among the reps offered); not a decline,
    so Ann may be offered the visitor again."""
    ann, bob = two_reps
    make_rule(two_reps, distribution="first_available")
    vid = visit()
    asked(vid)
    recorder = record(channel(ann), channel(bob))
    answer = signed_in(ann).post("/auth/availability", {"availability": "away"})
    assert answer.status_code == 303
    sent = recorder.take()
    assert offers(sent) == {channel(ann): [f"delete #offer-{vid}"],
                            channel(bob): [f"true #offer-{vid}"]}
    [bobs] = [data for chan, event, data in sent if chan == channel(bob) and event == "offer"]
    assert "Ann Rep" not in bobs and "Bob Rep" in bobs
    stored = assignments.get(vid)
    assert stored.offered_to == [bob.id] and stored.explanation.endswith("; Ann Rep went away")
    assert prompts.prompts_for(ann.id) == []
    assert [p.visitor_id for p in prompts.prompts_for(bob.id)] == [vid]
    work()  # the routing job: Bob can still take it
    assert assignments.get(vid).offered_to == [bob.id] and declines.excluded(vid) == set()
    assert offers(recorder.take()) == {}


@at_each_instant  # offer deadlines are wall-clock times
def test_going_away_withdraws_a_round_robin_prompt_and_routing_moves_on(
        job_app, visit, two_reps, make_rule, record, signed_in):
    ann, bob = two_reps
    make_rule(two_reps, distribution="round_robin", offer_timeout_seconds=60)
    vid = visit()
    asked(vid)
    assert assignments.get(vid).offered_to == [ann.id]
    recorder = record(channel(ann), channel(bob))
    signed_in(ann).post("/auth/availability", {"availability": "away"})
    assert offers(recorder.take()) == {channel(ann): [f"delete #offer-{vid}"]}
    work()
    assert assignments.get(vid).offered_to == [bob.id]
    assert offers(recorder.take()) == {channel(bob): ["afterbegin:#offers-list"]}
