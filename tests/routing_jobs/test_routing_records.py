"""Routing history for reports (issue 19): every decision the router applies is a row
with the reps it skipped, every offer a row per rep with how it ended. Routed through
the real router and RQ workers, answered through the real endpoints and jobs."""

from __future__ import annotations

import time

from sqlalchemy import select, text

from liveapp.domain.visitor_presence import LEAVE_GRACE
from liveapp.extensions import db
from liveapp.models.history import Offer, RoutingRecord, RoutingSkip
from liveapp.services.routing import assignments, declines, router, waiting_queue
from liveapp.services.tracking import visitor_events
from tests.conftest import Browser
from tests.domain.routing_builders import sf_id
from tests.offers.test_arrivals import facts
from tests.routing_jobs.conftest import run_scheduled, work
from tests.routing_jobs.test_offers_move_on import set_away


def decisions(vid: str) -> list[RoutingRecord]:
    db.session.expire_all()
    return list(db.session.scalars(select(RoutingRecord).where(
        RoutingRecord.visitor_id == vid).order_by(RoutingRecord.id)))


def offers(vid: str) -> list[tuple[int, str]]:
    """(rep id, outcome) of the visitor's offer rows, in the order offered."""
    db.session.expire_all()
    return [(o.rep_id, o.outcome) for o in db.session.scalars(
        select(Offer).where(Offer.visitor_id == vid).order_by(Offer.id))]


def skips(record: RoutingRecord) -> set[tuple[int, str]]:
    return {(s.rep_id, s.reason) for s in db.session.scalars(
        select(RoutingSkip).where(RoutingSkip.decision_id == record.id))}


def claim(app, rep, vid: str, origin: str = "inbound") -> int:
    browser = Browser(app.test_client())
    assert browser.login(rep.email).status_code == 303
    return browser.post(f"/conversations/claim/{vid}", {"origin": origin}).status_code


def test_round_robin_request_declined_timed_out_then_accepted(job_app, app, visit,
                                                              three_reps, make_rule):
    ann, bob, cy = three_reps
    rule = make_rule(three_reps, distribution="round_robin", offer_timeout_seconds=20)
    vid = visit()
    router.request_inbound(vid)
    work()
    [first] = decisions(vid)
    assert (first.outcome, first.step, first.mode, first.trigger) == (
        "group", "route_to", "round_robin", "inbound")
    assert (first.rule_id, first.rule_name) == (rule.id, rule.name)
    assert first.site_id is not None and not first.owner_known and not first.owner_routed
    assert offers(vid) == [(ann.id, "open")]
    key = db.session.scalar(select(Offer.offer_key).where(Offer.visitor_id == vid))
    assert key == router.read_state(vid)["offer_id"]  # the router's offer id

    assert declines.decline(vid, ann.id)  # Ann passes: Bob is offered it
    assert offers(vid) == [(ann.id, "declined"), (bob.id, "open")]
    second = decisions(vid)[-1]
    assert skips(second) == {(ann.id, "already declined or missed this visitor")}
    run_scheduled(bob.id)  # Bob lets it run out: Cy
    work()
    assert offers(vid) == [(ann.id, "declined"), (bob.id, "timeout"), (cy.id, "open")]
    assert claim(app, cy, vid) == 303
    assert offers(vid) == [(ann.id, "declined"), (bob.id, "timeout"), (cy.id, "accepted")]
    answered = db.session.scalars(select(Offer.answered_at).where(Offer.visitor_id == vid))
    assert all(at is not None for at in answered)
    assert len(decisions(vid)) == 3


def test_first_available_one_row_per_rep_the_others_taken(job_app, app, visit, three_reps,
                                                          make_rule):
    ann, bob, cy = three_reps
    make_rule(three_reps, offer_timeout_seconds=40)
    vid = visit()
    router.request_inbound(vid)
    work()
    rows = db.session.scalars(select(Offer).where(Offer.visitor_id == vid)).all()
    assert {o.rep_id for o in rows} == {ann.id, bob.id, cy.id}
    assert len({o.offer_key for o in rows}) == 1 and {o.decision_id for o in rows} == {
        decisions(vid)[0].id}
    assert declines.decline(vid, bob.id)  # the others keep it
    assert claim(app, cy, vid) == 303
    assert sorted(offers(vid)) == sorted([(ann.id, "taken"), (bob.id, "declined"),
                                          (cy.id, "accepted")])
    assert len(decisions(vid)) == 1  # a decline that shrinks the offer decides nothing


def test_first_available_timeout_queue_then_booker(job_app, app, visit, three_reps,
                                                   make_rule):
    app.config["ROUTING_QUEUE_WAIT"] = 0
    make_rule(three_reps, offer_timeout_seconds=25, when_nobody="queue")
    vid = visit()
    router.request_inbound(vid)
    work()
    run_scheduled()
    work()
    assert {outcome for _, outcome in offers(vid)} == {"timeout"}
    run_scheduled()  # the queue wait (0 s) ran out: the booker
    work()
    assert [d.outcome for d in decisions(vid)] == ["group", "queue", "booker"]
    queued = decisions(vid)[1]
    assert skips(queued) == {(r.id, "already declined or missed this visitor")
                             for r in three_reps}
    assert waiting_queue.waiting() == []


def test_a_rep_going_away_and_a_visitor_leaving_withdraw_offers(job_app, app, api, visit,
                                                               three_reps, make_rule):
    ann, bob, _ = three_reps
    make_rule(three_reps, distribution="round_robin")
    vid = pounced = visit()
    router.enqueue_routing(pounced, "pounce")
    work()
    assert offers(vid) == [(ann.id, "open")]
    set_away(app, ann)
    work()
    assert offers(vid) == [(ann.id, "withdrawn"), (bob.id, "open")]
    assert decisions(vid)[-1].trigger == "pounce"
    assert skips(decisions(vid)[-1]) == {(ann.id, "away")}
    assert api.send(visitor_id=vid, type="leave").status_code == 202
    visitor_events.expire_presence(time.time() + LEAVE_GRACE + 1)  # the clock's job
    assert offers(vid) == [(ann.id, "withdrawn"), (bob.id, "withdrawn")]


def test_nobody_and_no_rule(job_app, visit, three_reps, make_rule):
    vid = visit()
    router.enqueue_routing(vid, "pounce")
    work()
    assert [(d.outcome, d.rule_id, d.step) for d in decisions(vid)] == [("nobody", None, None)]
    assert offers(vid) == []


def test_the_salesforce_owner_known_and_routed_to(job_app, visit, make_rep, make_rule):
    ann = make_rep(name="Ann Rep", email="ann@example.com", salesforce_user_id=sf_id(1))
    bob = make_rep(name="Bob Rep", email="bob@example.com")
    make_rule([bob], salesforce_owner=True, distribution="round_robin")
    owned, unowned = visit(), visit()
    facts(owned, crm={"salesforce": {"status": "ok", "record_type": "Contact",
                                     "owner_id": sf_id(1)}})
    for vid in (owned, unowned):
        router.enqueue_routing(vid, "pounce")
    work()
    [record] = decisions(owned)
    assert (record.outcome, record.step) == ("owner", "salesforce_owner")
    assert record.owner_known and record.owner_routed
    assert offers(owned) == [(ann.id, "open")]
    set_away_owner = decisions(unowned)[0]
    assert set_away_owner.outcome == "group" and not set_away_owner.owner_known


def test_a_history_write_that_fails_is_dropped_counted_and_the_routing_goes_on(
        job_app, visit, three_reps, make_rule, scrape, caplog):
    """A failed history write must not fail the routing (`records._safely`), but ops see
    it: logged, and counted on /metrics by what was dropped. The offers table renamed
    away for the moment is a real failure of the decision's write on either backend."""
    from tests.ops.scrape import value

    def dropped() -> float:
        return value(scrape(), "liveapp_history_writes_dropped_total", what="decision")

    ann = three_reps[0]
    make_rule(three_reps, distribution="round_robin")
    vid = visit()
    before = dropped()
    db.session.commit()  # nothing of ours holds a lock on the table (PostgreSQL)
    with db.engine.begin() as conn:
        conn.execute(text("ALTER TABLE offers RENAME TO offers_away"))
    try:
        router.request_inbound(vid)
        work()
    finally:
        db.session.commit()
        with db.engine.begin() as conn:
            conn.execute(text("ALTER TABLE offers_away RENAME TO offers"))
    assert assignments.get(vid).offered_to == [ann.id]  # the routing went on
    assert decisions(vid) == []  # the decision's record was dropped whole
    assert dropped() == before + 1
    assert "routing history: decision not recorded" in caplog.text
    other = visit()  # the table back, the next decision is recorded again
    router.request_inbound(other)
    work()
    assert [d.outcome for d in decisions(other)] == ["group"] and dropped() == before + 1
