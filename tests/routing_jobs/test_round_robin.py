"""Round Robin and Balanced through real RQ workers: concurrent workers share one rotation,
offer timeouts move to the next rep, declines, exclusions and the meeting booker."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from jobs import routing as routing_jobs
from liveapp.extensions import queue, redis
from liveapp.services.routing import assignments, declines, rotation, router, routing_inputs
from tests.clock import at_each_instant
from tests.routing_jobs.conftest import ThreadWorker, run_scheduled, work


def offered(vid: str) -> list[int]:
    return assignments.get(vid).offered_to


def test_two_workers_routing_at_once_share_one_rotation(job_app, visit, three_reps,
                                                        make_rule):
    rule = make_rule(three_reps, distribution="round_robin")
    visitors = [visit() for _ in range(12)]
    for vid in visitors:
        router.enqueue_routing(vid, "pounce")
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with job_app.app_context():
                worker = ThreadWorker([queue(routing_jobs.QUEUE)], connection=redis.client,
                                      serializer="json")
                worker.work(burst=True, max_jobs=12)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors and not any(t.is_alive() for t in threads)
    turns = [offered(vid) for vid in visitors]
    assert all(len(t) == 1 for t in turns)
    # 12 turns among 3 reps: each got exactly 4, so nobody had two turns in a row.
    assert Counter(t[0] for t in turns) == {r.id: 4 for r in three_reps}
    for vid, [rep_id] in zip(visitors, turns, strict=True):
        name = next(r.name for r in three_reps if r.id == rep_id)
        assert assignments.get(vid).explanation.endswith(f"→ {name} (round robin)")
    assert rotation.last_turn(redis.client, routing_inputs.rotation_key(rule.id)) in {
        r.id for r in three_reps}


@at_each_instant  # offer deadlines are wall-clock times
def test_offer_timeout_moves_to_the_next_rep_then_the_meeting_booker(job_app, visit,
                                                                     three_reps, make_rule):
    ann, bob, cy = three_reps
    make_rule(three_reps, distribution="round_robin", offer_timeout_seconds=20)
    vid = visit()
    router.request_inbound(vid)
    work()
    assert offered(vid) == [ann.id]
    # One rep at a time: only the rep it is offered to sees the visitor on their board.
    first = assignments.get(vid)
    assert first.routed_to == [ann.id] and first.trigger == "inbound"
    assert first.offer_until == pytest.approx(first.at + 20)  # the prompt's countdown
    assert assignments.visible_to_rep(bob.id) == set()
    for expected in (bob, cy):
        assert len(run_scheduled()) == 1  # exactly one open offer, one timeout
        work()
        assert offered(vid) == [expected.id]
        assert assignments.visible_to_rep(expected.id) == {vid}
        assert assignments.visible_to_rep(ann.id) == set()
    run_scheduled()
    work()
    stored = assignments.get(vid)
    assert stored.outcome == "meeting_booker" and stored.offered_to == []
    assert stored.explanation.endswith(
        "everyone eligible already declined or missed this visitor → meeting booker")
    assert declines.excluded(vid) == {ann.id, bob.id, cy.id}
    assert [h["outcome"] for h in router.history(vid)] == [
        "meeting_booker", "offer", "offer", "offer"]
    assert queue(routing_jobs.QUEUE).scheduled_job_registry.count == 0


def test_excluded_reps_are_never_offered_again(job_app, visit, three_reps, make_rule):
    ann, bob, cy = three_reps
    make_rule(three_reps, distribution="round_robin")
    vid = visit()
    router.request_inbound(vid)
    work()
    run_scheduled()
    work()
    assert offered(vid) == [bob.id]
    # Other visitors keep the rotation turning; this visitor still never goes back to Ann.
    for _ in range(4):
        router.enqueue_routing(visit(), "pounce")
    work()
    router.enqueue_routing(vid, "inbound")  # a repeat trigger while Bob's offer is open
    work()
    assert offered(vid) == [bob.id]
    assert declines.decline(vid, bob.id)
    assert offered(vid) == [cy.id]
    assert ann.id not in assignments.get(vid).routed_to
    assert all(ann.id not in h["offer_to"] for h in router.history(vid)[:-1])


def test_a_stale_timeout_after_a_decline_is_a_no_op(job_app, visit, three_reps, make_rule):
    ann, bob, cy = three_reps
    make_rule(three_reps, distribution="round_robin")
    vid = visit()
    router.request_inbound(vid)
    work()
    assert not declines.decline(vid, bob.id)  # not offered to Bob: nothing changes
    assert offered(vid) == [ann.id]
    assert declines.decline(vid, ann.id)
    assert offered(vid) == [bob.id]
    [stale] = run_scheduled(rep_id=ann.id)
    work()
    from rq.job import Job

    assert Job.fetch(stale, connection=redis.client, serializer="json").return_value() is None
    assert offered(vid) == [bob.id]  # Ann's old timeout did not skip Bob


def test_first_available_decline_removes_only_that_rep(job_app, visit, three_reps,
                                                       make_rule):
    ann, bob, cy = three_reps
    make_rule(three_reps)
    vid = visit()
    router.enqueue_routing(vid, "pounce")
    work()
    assert declines.decline(vid, bob.id)
    assert offered(vid) == [ann.id, cy.id]
    assert "Bob (already declined or missed this visitor)" in assignments.get(vid).explanation


def test_balanced_offers_one_rep_at_a_time_with_the_rule_timeout(job_app, visit,
                                                                 three_reps, make_rule):
    ann, bob, cy = three_reps
    make_rule(three_reps, distribution="balanced", offer_timeout_seconds=15)
    vid = visit()
    router.request_inbound(vid)
    work()
    assert offered(vid) == [ann.id]
    assert "(balanced: 0 open chats)" in assignments.get(vid).explanation
    [timeout] = queue(routing_jobs.QUEUE).scheduled_job_registry.get_job_ids()
    run_scheduled()
    work()
    assert offered(vid) == [bob.id]
    assert timeout not in queue(routing_jobs.QUEUE).scheduled_job_registry.get_job_ids()
