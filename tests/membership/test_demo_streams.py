"""The demo's example streams: seeded once, and visitors land in the right one."""


from sqlalchemy import func, select

from liveapp.demo.streams import seed_streams
from liveapp.extensions import db
from liveapp.models import Stream, Visitor
from liveapp.services.membership import live_membership
from tests.visitor_ids import VisitorId


def test_seed_is_idempotent_and_ordered(app_ctx):
    seed_streams()
    seed_streams()
    names = db.session.scalars(select(Stream.name).order_by(Stream.position)).all()
    assert names == ["Known Customers", "Target Accounts", "Known Leads", "High Intent"]
    assert db.session.scalar(select(func.count(Stream.id))) == 4


def test_visitors_land_in_the_example_streams(api, app_ctx):
    """Known people go to the streams their owners work; High Intent keeps the buyers
    nobody knows yet, wherever else they read (it no longer swallows known visitors)."""
    seed_streams()
    streams = {s.name: s.id for s in db.session.scalars(select(Stream))}
    vid = VisitorId()
    api.send(visitor_id=vid, url="https://www.example.com/blog")
    assert live_membership.stored(vid).stream_id is None
    api.send(visitor_id=vid, url="https://www.example.com/pricing")
    assert live_membership.stored(vid).stream_id == streams["High Intent"]
    api.send(visitor_id=vid, url="https://www.example.com/docs")
    assert live_membership.stored(vid).stream_id == streams["High Intent"]  # pricing was read
    visitor = db.session.get(Visitor, vid)
    visitor.email, visitor.lifecycle_stage = "sam@example.com", "mql"
    db.session.commit()
    live_membership.reevaluate(vid)
    assert live_membership.stored(vid).stream_id == streams["Known Leads"]
    visitor.abm_target = True
    db.session.commit()
    live_membership.reevaluate(vid)
    assert live_membership.stored(vid).stream_id == streams["Target Accounts"]
    visitor.lifecycle_stage = "evangelist"
    db.session.commit()
    live_membership.reevaluate(vid)
    assert live_membership.stored(vid).stream_id == streams["Known Customers"]


def test_a_visitor_asking_for_a_demo_is_high_intent(api, app_ctx):
    seed_streams()
    high_intent = db.session.scalar(select(Stream.id).where(Stream.name == "High Intent"))
    vid = VisitorId()
    api.send(visitor_id=vid, url="https://www.example.com/contact")
    assert live_membership.stored(vid).stream_id == high_intent


def test_segment_form_previews_live_matches(api, app_ctx, as_admin):
    for n in range(3):
        api.send(visitor_id=VisitorId(), url=f"https://www.example.com/page{n}")
    api.send(visitor_id=VisitorId(), url="https://www.example.com/pricing")
    token = as_admin.csrf("/settings/segments/new")

    def preview(form):
        response = as_admin.client.post("/settings/segments/preview", data=form,
                                        headers={"HX-Request": "true", "X-CSRFToken": token})
        assert response.status_code == 200
        return response.get_data(as_text=True)

    pricing = {"match": "all", "conditions-0-field": "current_url",
               "conditions-0-operator": "url_matches", "conditions-0-value": "*/pricing*"}
    assert "<strong>1</strong> visitor matches right now" in preview(pricing)
    everyone = {"match": "all", "conditions-0-field": "page_count",
                "conditions-0-operator": "greater_than", "conditions-0-value": "0"}
    assert "<strong>4</strong> visitors match right now" in preview(everyone)
    broken = {**everyone, "conditions-0-value": "many"}
    assert "Complete the conditions" in preview(broken)


def test_preview_is_admin_only_and_needs_csrf(as_rep, app_ctx):
    assert as_rep.post("/settings/segments/preview", {"match": "all"}).status_code == 403
