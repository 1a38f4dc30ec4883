"""route_visitor through a real RQ worker on real Redis: dedup, retries, First Available,
the stored explanation and history, and pounce routing from membership."""

from __future__ import annotations

from rq.job import Job

from jobs import routing as routing_jobs
from liveapp.extensions import queue, redis
from liveapp.services.routing import assignments, board_presence, router
from tests.factories import SegmentFactory, StreamFactory
from tests.ops.scrape import value
from tests.routing_jobs.conftest import run_scheduled, work
from tests.visitor_ids import VisitorId


def test_a_second_enqueue_while_one_is_queued_or_running_is_a_no_op(job_app, visit,
                                                                     three_reps, make_rule):
    make_rule(three_reps)
    vid = visit()
    first = router.enqueue_routing(vid, "pounce")
    assert first is not None
    assert router.enqueue_routing(vid, "pounce") is None
    assert queue(routing_jobs.QUEUE).count == 1
    work()
    assert Job.fetch(first.id, connection=redis.client, serializer="json").get_status() == \
        "finished"
    assert not redis.client.exists(router.lock_key(vid))  # released: the next trigger runs
    assert router.enqueue_routing(vid, "pounce") is not None


def test_an_inbound_request_during_a_run_is_routed_after_it(job_app, visit, three_reps,
                                                            make_rule):
    make_rule(three_reps)
    vid = visit()
    router.enqueue_routing(vid, "pounce")
    assert router.request_inbound(vid) is None  # locked: remembered, not dropped
    assert redis.client.get(router.again_key(vid)) == b"inbound"
    work()
    # The queued job already reads the request (the trigger is sticky) and opens the
    # inbound offer; the follow-up after it finds that offer open and changes nothing.
    assert [h["trigger"] for h in router.history(vid)] == ["inbound"]
    assert not redis.client.exists(router.again_key(vid))
    current = assignments.get(vid)
    assert (current.trigger, current.outcome) == ("inbound", "offer")
    assert current.offer_until is not None  # First Available requests run out too


def test_an_unexpected_error_is_retried_with_backoff(job_app, visit, three_reps, make_rule):
    make_rule(three_reps)
    vid = visit()
    # A damaged value in Redis makes the job fail (WRONGTYPE) until it is repaired.
    redis.client.hset(assignments.assignment_key(vid), "damaged", "1")
    job = router.enqueue_routing(vid, "pounce")
    work()
    job.refresh()
    assert job.get_status() == "scheduled"  # backoff: retried later, not at once
    assert job.retries_left == len(routing_jobs.RETRY_INTERVALS) - 1
    redis.client.delete(assignments.assignment_key(vid))
    assert run_scheduled() == [job.id]
    work()
    job.refresh()
    assert job.get_status() == "finished", job.exc_info
    assert assignments.get(vid).offered_to == [r.id for r in three_reps]


def test_first_available_offers_every_eligible_rep_with_the_trace(job_app, visit, make_rep,
                                                                  make_rule, scrape):
    before = scrape()
    ann, bob = make_rep(name="Ann"), make_rep(name="Bob")
    away = make_rep(name="Dee", availability="away")
    closed = make_rep(name="Eve")

    board_presence.board_closed(closed.id, now=0)  # board closed long ago: offline for routing
    make_rule([ann, bob, away, closed], name="Target accounts")
    vid = visit()
    router.enqueue_routing(vid, "pounce")
    work()
    stored = assignments.get(vid)
    assert stored.mode == "first_available" and stored.outcome == "offer"
    assert stored.offered_to == stored.routed_to == [ann.id, bob.id]
    assert stored.rule_name == "Target accounts"
    assert stored.explanation.startswith("rule 'Target accounts' matched")
    assert "Dee" in stored.explanation and "Eve (offline)" in stored.explanation
    assert stored.explanation.endswith("→ Ann, Bob (first available)")
    assert assignments.visible_to_rep(ann.id) == {vid}
    assert assignments.visible_to_rep(away.id) == set()
    [entry] = router.history(vid)
    assert entry["summary"] == stored.explanation and entry["trigger"] == "pounce"
    assert entry["trace"][0] == "rule 'Target accounts' matched"
    decided = {"mode": "first_available", "outcome": "offer", "reason": "route_to"}
    assert value(scrape(), "liveapp_routing_decisions_total", **decided) - value(
        before, "liveapp_routing_decisions_total", **decided) == 1


def test_routing_twice_is_idempotent(job_app, visit, three_reps, make_rule):
    make_rule(three_reps)
    vid = visit()
    for _ in range(2):
        router.enqueue_routing(vid, "pounce")
        work()
    first, second = router.history(vid)
    assert first["offer_to"] == second["offer_to"]
    assert {k: v for k, v in assignments.get(vid).to_dict().items() if k != "at"} == {
        "rule_name": first["rule_name"], "mode": "first_available",
        "routed_to": first["candidates"], "offered_to": first["offer_to"], "claimed_by": None,
        "explanation": first["summary"], "outcome": "offer", "trigger": "pounce",
        "offer_until": None, "reason": first["reason"], "closed": first["closed"],
        "named": first["named"]}


def test_no_rule_matched_is_stored_with_its_reason(job_app, visit, three_reps, make_rule,
                                                  scrape):
    before = scrape()
    make_rule(three_reps, criteria={"match": "all", "conditions": [
        {"field": "email", "operator": "is_set", "value": None}]})
    vid = visit()
    router.enqueue_routing(vid, "pounce")
    work()
    stored = assignments.get(vid)
    assert stored.outcome == "no_rule" and stored.rule_name is None
    assert stored.explanation == "no routing rule matched"
    decided = {"mode": "none", "outcome": "no_rule", "reason": "no_rule"}
    assert value(scrape(), "liveapp_routing_decisions_total", **decided) - value(
        before, "liveapp_routing_decisions_total", **decided) == 1


def test_landing_in_a_stream_enqueues_pounce_routing(job_app, api, app_ctx, three_reps,
                                                     make_rule):

    make_rule(three_reps)
    segment = SegmentFactory(criteria={"match": "all", "conditions": [
        {"field": "current_url", "operator": "contains", "value": "/pricing"}]})
    stream = StreamFactory()
    stream.segments = [segment]
    from liveapp.extensions import db
    from liveapp.services.membership import live_membership

    db.session.commit()
    live_membership.bump_settings_version()
    vid = VisitorId()
    api.send(visitor_id=vid, url="https://www.example.com/")
    assert queue(routing_jobs.QUEUE).count == 0  # not in a stream: no pounce routing
    api.send(visitor_id=vid, url="https://www.example.com/pricing")
    assert queue(routing_jobs.QUEUE).count == 1
    api.send(visitor_id=vid, url="https://www.example.com/pricing?again")
    assert queue(routing_jobs.QUEUE).count == 1  # still in the stream: nothing new
    work()
    assert assignments.get(vid).offered_to == [r.id for r in three_reps]
    assert router.history(vid)[0]["trigger"] == "pounce"


def test_an_experience_with_route_for_pounce_enqueues_routing(job_app, api, app_ctx,
                                                             three_reps, make_rule):

    from liveapp.services.membership import live_membership
    from tests.factories import ExperienceFactory

    make_rule(three_reps)
    ExperienceFactory(targeting=[{"kind": "contains", "value": "/demo", "exclude": False}],
                      flow=[{"type": "bot_message", "text": "Hi"}, {"type": "route_pounce"}])
    ExperienceFactory(targeting=[{"kind": "contains", "value": "/blog", "exclude": False}],
                      flow=[{"type": "bot_message", "text": "Hi"}])
    live_membership.bump_settings_version()
    reader, prospect = VisitorId(), VisitorId()
    api.send(visitor_id=reader, url="https://www.example.com/blog")
    assert queue(routing_jobs.QUEUE).count == 0  # an experience without Route for Pounce
    api.send(visitor_id=prospect, url="https://www.example.com/demo")
    assert queue(routing_jobs.QUEUE).count == 1
    work()
    assert assignments.get(prospect).offered_to == [r.id for r in three_reps]
    assert assignments.get(reader) is None


def test_a_rep_coming_online_gets_the_live_visitors_nobody_could_take(
        job_app, api, app_ctx, three_reps, make_rule, as_rep, rep):

    from liveapp.extensions import db
    from liveapp.services.membership import live_membership

    make_rule([rep])
    segment = SegmentFactory(criteria={"match": "all", "conditions": [
        {"field": "current_url", "operator": "contains", "value": "/pricing"}]})
    StreamFactory(segments=[segment])
    db.session.commit()
    live_membership.bump_settings_version()
    rep.availability = "away"  # Rita is away when the visitor lands
    db.session.commit()
    vid = VisitorId()
    api.send(visitor_id=vid, url="https://www.example.com/pricing")
    work()
    assert assignments.get(vid).offered_to == []  # nobody could be offered
    board_presence.touch_board(rep.id)  # her board is open
    as_rep.post("/auth/availability", {"availability": "available"})  # and she is back
    work()
    assert assignments.get(vid).offered_to == [rep.id]
    assert rep.id in assignments.get(vid).routed_to
