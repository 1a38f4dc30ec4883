"""Pounce arrival notices: a rep whose prospect was just routed to them for pounce gets one
notice on their own channel (never another rep, never the admins' channel), once per
visit; it says who, why they are the rep's (their Outreach sequence, their Salesforce
record, the rule) and the page, with what the visitor sent escaped."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from sqlalchemy import select

from liveapp.domain.visitor_presence import LEAVE_GRACE
from liveapp.extensions import db, redis
from liveapp.infra import realtime
from liveapp.models import Visitor
from liveapp.services.chat import conversations
from liveapp.services.live import arrivals
from liveapp.services.membership import live_membership
from liveapp.services.routing import assignments, router
from liveapp.services.tracking import hot_state, visitor_events
from tests.domain.routing_builders import sf_id
from tests.factories import SegmentFactory, StreamFactory
from tests.offers.conftest import channel, offers
from tests.routing_jobs.conftest import work
from tests.tracking.conftest import ORIGIN
from tests.visitor_ids import VisitorId


def arrived(vid: str) -> list[str]:
    """The operations of one arrival notice for this visitor."""
    return ["afterbegin:#offers-list"]  # no removal: boards without it would log an error


def routed(vid: str, trigger: str = "pounce") -> None:
    router.enqueue_routing(vid, trigger)
    work()


def facts(vid: str, **fields) -> None:
    """Store what the visitor is (name, company, CRM look-ups) as enrichment would; the
    CRMs it names count as configured (routing skips a CRM nobody set up)."""
    from liveapp.models import Integration

    for name in (fields.get("crm") or {}):
        if db.session.scalar(select(Integration).where(Integration.name == name)) is None:
            db.session.add(Integration(name=name, enabled=True, settings={}))
    visitor = db.session.get(Visitor, vid)
    for name, value in fields.items():
        setattr(visitor, name, value)
    db.session.commit()


def notices(events, rep) -> list[str]:
    return [data for chan, event, data in events
            if chan == channel(rep) and event == "offer" and 'id="arrival-' in data]


@pytest.fixture
def recorded(record, two_reps, make_user):
    """Events on both reps' channels, an admin's own channel and the admins' channel."""
    admin = make_user(name="Ada Admin", email="ada@example.com", role="admin")
    return record(channel(two_reps[0]), channel(two_reps[1]), channel(admin),
                  realtime.ADMIN_CHANNEL)


def test_round_robin_tells_the_one_rep_once(job_app, visit, api, two_reps, make_rule,
                                            recorded):
    ann, bob = two_reps
    make_rule(two_reps, name="Pricing visitors", distribution="round_robin")
    vid = visit(traits={"name": "Vera Visitor"})
    recorded.take()
    routed(vid)
    assert assignments.get(vid).offered_to == [ann.id]
    events = recorded.take()
    assert offers(events) == {channel(ann): arrived(vid)}  # nobody else: not Bob, no admin
    [notice] = notices(events, ann)
    assert "Vera Visitor, via Pricing visitors, is on Pricing plans" in notice
    assert f'data-alert-url="/board/visitors/{vid}"' in notice
    assert "Accept" not in notice and "data-until" not in notice  # not an offer

    # The same assignment saved again, routed again, the card changing: nothing new.
    assignments.save(vid, assignments.get(vid))
    routed(vid)
    assert api.send(visitor_id=vid, url=f"{ORIGIN}/docs", title="Docs").status_code == 202
    assert offers(recorded.take()) == {}


def test_first_available_tells_every_candidate_once(job_app, visit, two_reps, make_rule,
                                                    recorded):
    make_rule(two_reps, distribution="first_available")
    vid = visit()
    recorded.take()
    routed(vid)
    assert offers(recorded.take()) == {channel(rep): arrived(vid) for rep in two_reps}
    routed(vid)
    assert offers(recorded.take()) == {}


def test_the_reps_own_outreach_sequence(job_app, visit, two_reps, make_rule, recorded):
    ann, bob = two_reps
    make_rule([bob], outreach_mode="sender", distribution="round_robin")
    vid = visit(title="Pricing")
    facts(vid, name="Jane", company_name="Acme", crm={
        "outreach": {"status": "ok", "sender_email": ann.email}})
    recorded.take()
    routed(vid)
    events = recorded.take()
    assert offers(events) == {channel(ann): arrived(vid)}
    [notice] = notices(events, ann)
    assert "Jane from Acme, from your Outreach sequence, is on Pricing" in notice


def test_the_reps_salesforce_record(job_app, visit, make_rep, make_rule, record):
    ann = make_rep(name="Ann Rep", email="ann@example.com", salesforce_user_id=sf_id(1))
    make_rule([], salesforce_owner=True, distribution="round_robin")
    vid = visit(title="Pricing")
    facts(vid, name="Jane", company_name="Acme", crm={
        "salesforce": {"status": "ok", "record_type": "Contact", "owner_id": sf_id(1)}})
    recorder = record(channel(ann))
    routed(vid)
    [notice] = notices(recorder.take(), ann)
    assert "Jane from Acme, your Salesforce contact, is on Pricing" in notice


def test_visitor_text_is_escaped(job_app, visit, two_reps, make_rule, recorded):
    ann = two_reps[0]
    make_rule([ann], distribution="round_robin")
    vid = visit(title="<b>Pricing</b>", traits={"name": '<img src=x onerror="alert(1)">'})
    recorded.take()
    routed(vid)
    [notice] = notices(recorded.take(), ann)
    assert "<img" not in notice and "<b>" not in notice
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in notice
    assert "&lt;b&gt;Pricing&lt;/b&gt;" in notice


def test_no_notice_for_an_inbound_request_or_a_claimed_visitor(job_app, visit, two_reps,
                                                                make_rule, recorded):
    ann = two_reps[0]
    make_rule([ann], distribution="round_robin")
    asking = visit()
    recorded.take()
    router.request_inbound(asking)
    work()
    assert notices(recorded.take(), ann) == []  # the accept prompt says it already

    claimed = visit()
    conversations.claim(claimed, ann, "pounce")
    routed(claimed)
    assert notices(recorded.take(), ann) == []


def test_routed_away_and_back_in_the_same_visit_is_not_news(job_app, visit, two_reps,
                                                            make_rule, recorded):
    ann, bob = two_reps
    make_rule(two_reps, distribution="round_robin")
    vid = visit()
    routed(vid)
    held = assignments.get(vid)
    recorded.take()
    assignments.save(vid, replace(held, routed_to=[bob.id], offered_to=[bob.id], at=0))
    assignments.save(vid, replace(held, at=0))  # back to Ann
    assert offers(recorded.take()) == {channel(bob): arrived(vid)}


@pytest.fixture
def pricing_stream(app_ctx):
    """A stream of pricing page visitors: landing there routes them for pounce."""
    segment = SegmentFactory(criteria={"match": "all", "conditions": [
        {"field": "current_url", "operator": "contains", "value": "/pricing"}]})
    StreamFactory().segments = [segment]
    db.session.commit()
    live_membership.bump_settings_version()


def gone(api, vid: str, visit_over: bool) -> None:
    """The visitor leaves (and, with `visit_over`, stays away past the visit's end)."""
    assert api.send(visitor_id=vid, type="leave").status_code == 202
    visitor_events.expire_presence(time.time() + LEAVE_GRACE + 1)
    if visit_over:
        redis.client.delete(hot_state.state_key(vid))  # as it expires after half an hour


def test_a_visitor_back_for_their_rep_tells_them_once_per_visit(
        job_app, api, two_reps, make_rule, pricing_stream, recorded):
    ann = two_reps[0]
    make_rule([ann], distribution="round_robin")
    vid = VisitorId()
    assert api.send(visitor_id=vid, url=f"{ORIGIN}/pricing").status_code == 202
    work()  # landing in the stream routed them to Ann
    assert offers(recorded.take()) == {channel(ann): arrived(vid)}
    first_visit = hot_state.load(vid).session_id

    gone(api, vid, visit_over=False)  # back within the same visit: not news
    assert api.send(visitor_id=vid, url=f"{ORIGIN}/pricing").status_code == 202
    work()
    assert hot_state.load(vid).session_id == first_visit
    assert offers(recorded.take()) == {}

    gone(api, vid, visit_over=True)  # back another time, still held for Ann: news
    assert api.send(visitor_id=vid, url=f"{ORIGIN}/pricing").status_code == 202
    work()
    assert hot_state.load(vid).session_id != first_visit
    assert assignments.get(vid).offered_to == [ann.id]
    assert offers(recorded.take()) == {channel(ann): arrived(vid)}


def test_the_notified_state_expires_after_a_day(job_app, visit, two_reps, make_rule):
    ann = two_reps[0]
    make_rule([ann], distribution="round_robin")
    vid = visit()
    routed(vid)
    ttl = redis.client.ttl(arrivals.notified_key(vid, ann.id))
    assert arrivals.NOTIFIED_TTL - 5 < ttl <= arrivals.NOTIFIED_TTL == 24 * 3600
