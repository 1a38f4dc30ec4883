"""Routing rules that test membership ("in segment", "in stream"), decided by a real RQ
worker from the memberships the boards show."""

from __future__ import annotations

from liveapp.extensions import db
from liveapp.services.membership import live_membership
from liveapp.services.routing import assignments, router
from tests.factories import SegmentFactory, StreamFactory
from tests.routing_jobs.conftest import work
from tests.visitor_ids import VisitorId


def _segment(name: str, path: str):
    return SegmentFactory(name=name, criteria={"match": "all", "conditions": [
        {"field": "current_url", "operator": "contains", "value": path}]})


def _in(field: str, ident: int, operator: str = "equals") -> dict:
    return {"match": "all", "conditions": [{"field": field, "operator": operator,
                                            "value": ident}]}


def _route(api, path: str) -> str:
    vid = VisitorId()
    assert api.send(visitor_id=vid, url=f"https://www.example.com{path}").status_code == 202
    router.enqueue_routing(vid, "pounce")
    work()
    return vid


def test_a_rule_on_a_segment_routes_its_members_and_the_others_fall_through(
        job_app, api, app_ctx, three_reps, make_rule):
    ann, bob, cy = three_reps
    target = _segment("Target Accounts", "/enterprise")
    make_rule([ann], name="Target accounts", criteria=_in("segment_ids", target.id))
    make_rule([bob, cy], name="Everyone else")
    db.session.commit()
    live_membership.bump_settings_version()

    member = _route(api, "/enterprise/pricing")
    assert target.id in live_membership.stored(member).segment_ids
    routed = assignments.get(member)
    assert routed.rule_name == "Target accounts" and routed.offered_to == [ann.id]

    other = _route(api, "/blog")
    assert live_membership.stored(other).segment_ids == frozenset()
    routed = assignments.get(other)
    assert routed.rule_name == "Everyone else" and routed.offered_to == [bob.id, cy.id]


def test_a_rule_on_a_stream_reads_the_stream_the_board_shows(job_app, api, app_ctx,
                                                             three_reps, make_rule):
    ann, bob, _ = three_reps
    pricing, docs = _segment("Pricing", "/pricing"), _segment("Docs", "/docs")
    high = StreamFactory(name="High Intent", position=0, segments=[pricing])
    StreamFactory(name="Researching", position=1, segments=[docs])
    make_rule([bob], name="Not high intent", criteria=_in("stream_id", high.id, "not_equals"))
    make_rule([ann], name="High intent")
    db.session.commit()
    live_membership.bump_settings_version()

    # In both segments: the board places the visitor in High Intent, the first stream.
    keen = _route(api, "/pricing/docs")
    assert live_membership.stored(keen).stream_id == high.id
    assert assignments.get(keen).rule_name == "High intent"

    reader = _route(api, "/docs/api")
    assert live_membership.stored(reader).stream_id != high.id
    routed = assignments.get(reader)
    assert routed.rule_name == "Not high intent" and routed.offered_to == [bob.id]
