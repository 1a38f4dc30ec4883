"""Live membership: tracked events move visitors into segments, experiences and streams."""

import time

import pytest
from sqlalchemy import select

from liveapp.extensions import db, redis
from liveapp.models import Visitor
from liveapp.services.bus import changes
from liveapp.services.membership import live_membership
from tests.factories import ExperienceFactory, SegmentFactory, StreamFactory
from tests.visitor_ids import VisitorId

PRICING_URL = "https://www.example.com/pricing"


@pytest.fixture
def announced():
    seen = []

    def record(change):
        if change.kind == "membership":
            seen.append(change)

    changes.subscribe(record)
    yield seen
    changes.unsubscribe(record)


@pytest.fixture
def example_streams(app_ctx):
    """High Intent = Known Visitor segment + Pricing Page experience; Known Leads."""
    known = SegmentFactory(name="Known Visitor", criteria={
        "match": "all", "conditions": [{"field": "email", "operator": "is_set", "value": None}]})
    leads = SegmentFactory(name="Engaged", criteria={
        "match": "all", "conditions": [{"field": "page_count", "operator": "greater_than",
                                         "value": 2}]})
    pricing = ExperienceFactory(name="Pricing Page", targeting=[
        {"kind": "contains", "value": "/pricing", "exclude": False}])
    high = StreamFactory(name="High Intent", position=0, segments=[known],
                         experiences=[pricing])
    engaged = StreamFactory(name="Engaged", position=1, segments=[leads])
    live_membership.bump_settings_version()
    return {"known": known, "leads": leads, "pricing": pricing, "high": high,
            "engaged": engaged}


def _stored(vid):
    return live_membership.stored(vid)


def test_new_visitor_gets_an_empty_membership_once(api, app_ctx, announced):
    vid = VisitorId()
    assert api.send(visitor_id=vid).status_code == 202
    assert _stored(vid).stream_id is None
    assert len(announced) == 1
    assert api.send(visitor_id=vid, type="heartbeat", active=True).status_code == 202
    assert len(announced) == 1  # a heartbeat that changes nothing announces nothing


def test_pricing_page_places_visitor_in_high_intent_and_records_experience(
        api, app_ctx, example_streams, announced):
    vid = VisitorId()
    api.send(visitor_id=vid, url="https://www.example.com/")
    assert _stored(vid).stream_id is None
    api.send(visitor_id=vid, url=PRICING_URL)
    stored = _stored(vid)
    assert stored.experience_id == example_streams["pricing"].id
    assert stored.stream_id == example_streams["high"].id
    last = announced[-1]
    assert last.data["stream_changed"] and last.data["new"]["stream_id"] == stored.stream_id
    db.session.expire_all()
    visitor = db.session.get(Visitor, vid)
    assert visitor.experience_id == example_streams["pricing"].id
    assert visitor.experiences_received == [example_streams["pricing"].id]


def test_higher_priority_stream_wins_and_appears_once(api, app_ctx, example_streams):
    vid = VisitorId()
    for page in ("/a", "/b", "/c"):
        api.send(visitor_id=vid, url=f"https://www.example.com{page}")
    assert _stored(vid).stream_id == example_streams["engaged"].id
    api.send(visitor_id=vid, type="identify", email="jo@acme.test")
    stored = _stored(vid)
    assert stored.stream_id == example_streams["high"].id  # both match; High Intent is first
    assert stored.segment_ids == {example_streams["known"].id, example_streams["leads"].id}


def test_saving_settings_reevaluates_live_visitors(api, app_ctx, example_streams, as_admin):
    vid = VisitorId()
    for page in ("/a", "/b", "/c"):
        api.send(visitor_id=vid, url=f"https://www.example.com{page}")
    assert _stored(vid).stream_id == example_streams["engaged"].id
    engaged, high = example_streams["engaged"], example_streams["high"]
    response = as_admin.client.post(
        "/settings/streams/reorder", data={"order": [engaged.id, high.id]},
        headers={"HX-Request": "true", "X-CSRFToken": as_admin.csrf("/settings/streams/")})
    assert response.status_code == 200
    from liveapp.extensions import queue
    from tests.rq_workers import SimpleWorker

    high_queue = queue("high")
    assert high_queue.count >= 1
    SimpleWorker([high_queue], connection=redis.client, serializer="json").work(burst=True)
    assert _stored(vid).stream_id == engaged.id


def test_settings_version_recompiles(app_ctx, example_streams):
    first = live_membership.current_rules()
    assert live_membership.current_rules() is first  # cached while nothing changed
    live_membership.bump_settings_version()
    assert live_membership.current_rules() is not first


def test_left_visitor_loses_membership(api, app_ctx, example_streams, announced):
    vid = VisitorId()
    api.send(visitor_id=vid, url=PRICING_URL)
    assert _stored(vid).stream_id is not None
    from liveapp.services.tracking.visitor_events import expire_presence

    expire_presence(time.time() + 120)
    assert _stored(vid) is None
    assert announced[-1].data["new"]["stream_id"] is None


def test_facts_reflect_the_visit(api, app_ctx):
    vid = VisitorId()
    api.send(visitor_id=vid, url="https://www.example.com/?utm_source=ads&utm_campaign=q4",
             referrer="https://search.example/")
    api.send(visitor_id=vid, url=PRICING_URL)
    visitor = db.session.get(Visitor, vid)
    from liveapp.services.tracking import hot_state

    facts = live_membership.facts_for(visitor, hot_state.load(vid), time.time())
    assert facts.current_url == PRICING_URL
    assert set(facts.visited_urls) >= {PRICING_URL}
    assert facts.page_count == 2 and facts.sessions == 1
    assert facts.utm_source == "ads" and facts.referrer == "https://search.example/"
    assert db.session.scalar(select(Visitor.id)) == vid
