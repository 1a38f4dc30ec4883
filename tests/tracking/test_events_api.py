"""POST /t/v1/events: the public contract (SPEC section 3)."""

from __future__ import annotations

import json

import pytest

from liveapp.extensions import db
from liveapp.models import PageView, Visitor, VisitSession
from tests.tracking.conftest import ORIGIN
from tests.visitor_ids import VisitorId

EMPTY = {"visitors": 0, "visit_sessions": 0, "page_views": 0}


def test_page_view_is_accepted_and_recorded(api, app_ctx, published):
    visitor_id = VisitorId()
    res = api.send(visitor_id=visitor_id, title="Home",
                   url="https://www.example.com/?utm_source=news&utm_campaign=fall",
                   referrer="https://google.com/")
    assert res.status_code == 202
    body = res.get_json()
    assert body["visitor_id"] == visitor_id.cookie  # SPEC 3: echoed as sent
    from liveapp.services.chat.tokens import verify_visitor_token

    assert verify_visitor_token(body["token"]) == visitor_id
    visitor = db.session.get(Visitor, visitor_id)
    view = db.session.scalars(db.select(PageView)).one()
    session = db.session.scalars(db.select(VisitSession)).one()
    assert visitor.ip and view.title == "Home" and view.utm_source == "news"
    assert session.utm_campaign == "fall" and session.page_count == 1
    assert session.referrer == "https://google.com/"
    kinds = [c.kind for c in published]
    assert kinds == ["new_visitor", "page_view", "presence"]


def test_next_page_view_fills_the_previous_duration(api, app_ctx):
    vid = VisitorId()
    assert api.send(visitor_id=vid, url="https://www.example.com/a").status_code == 202
    assert api.send(visitor_id=vid, url="https://www.example.com/b").status_code == 202
    views = db.session.scalars(db.select(PageView).order_by(PageView.id)).all()
    assert [v.url for v in views] == ["https://www.example.com/a", "https://www.example.com/b"]
    assert views[0].duration_seconds is not None and views[1].duration_seconds is None
    assert db.session.scalars(db.select(VisitSession)).one().page_count == 2


BAD_FIELDS = [
    ({"site_key": None}, "site_key"),
    ({"site_key": 12}, "site_key"),
    ({"site_key": "x" * 65}, "site_key"),
    ({"visitor_id": "not-a-uuid"}, "visitor_id"),
    ({"visitor_id": 5}, "visitor_id"),
    ({"type": "click"}, "type"),
    ({"type": None}, "type"),
    ({"url": "javascript:alert(1)"}, "url"),
    ({"url": "ftp://example.com/x"}, "url"),
    ({"url": "https://example.com/" + "a" * 2048}, "url"),
    ({"url": "https://exa mple.com/"}, "url"),
    ({"url": None}, "url"),  # a page view needs its URL
    ({"url": 3}, "url"),
    ({"referrer": "data:text/html,hi"}, "referrer"),
    ({"title": "t" * 513}, "title"),
    ({"title": ["a"]}, "title"),
    ({"active": "yes"}, "active"),
    ({"type": "identify", "email": "not an email"}, "email"),
    ({"type": "identify", "email": None}, "email"),
    ({"email": "x@" + "a" * 260 + ".com"}, "email"),
    ({"traits": [1, 2]}, "traits"),
    ({"traits": {f"k{i}": i for i in range(21)}}, "traits"),
    ({"traits": {"nested": {"a": 1}}}, "traits.nested"),
    ({"traits": {"long": "x" * 201}}, "traits.long"),
    ({"traits": {"bad key!": 1}}, "traits"),
]


@pytest.mark.parametrize(("fields", "field"), BAD_FIELDS)
def test_each_bad_field_is_named_and_nothing_is_written(api, count_rows, fields, field):
    body = api.body()
    body.update(fields)
    res = api.send(body)
    assert res.status_code == 400
    assert res.get_json()["error"].startswith(f"{field}:")
    assert count_rows() == EMPTY


@pytest.mark.parametrize("data", ["{", "null", "[1]", '"text"', "\xff", "1e999999"])
def test_malformed_or_non_object_json_is_400(api, count_rows, data):
    res = api.raw(data.encode("utf-8", "surrogateescape") if data != "\xff" else b"\xff\xfe")
    assert res.status_code == 400
    assert res.get_json()["error"].startswith("body:")
    assert count_rows() == EMPTY


def test_oversize_body_is_413(api, count_rows):
    body = api.body(title="t", traits={"pad": "x" * 200})
    data = json.dumps(body) + " " * 9000
    res = api.raw(data)
    assert res.status_code == 413
    assert "body:" in res.get_json()["error"]
    assert count_rows() == EMPTY


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/html",
                                          "multipart/form-data"])
def test_wrong_content_type_is_400(api, count_rows, content_type):
    res = api.raw(json.dumps(api.body()), content_type=content_type)
    assert res.status_code == 400
    assert res.get_json()["error"].startswith("content-type:")
    assert count_rows() == EMPTY


def test_text_plain_json_is_accepted_for_beacons(api):
    assert api.raw(json.dumps(api.body(type="heartbeat")), content_type="text/plain"
                   ).status_code == 202


def test_unknown_site_key_is_403(api, count_rows):
    res = api.send(site_key="no-such-site")
    assert res.status_code == 403
    assert res.get_json()["error"].startswith("site_key:")
    assert count_rows() == EMPTY


def test_get_is_not_allowed(api):
    assert api.client.get("/t/v1/events").status_code == 405


def test_visitor_of_another_site_is_refused(api, app_ctx, count_rows):
    from liveapp.services.settings import sites

    other = sites.save_site(None, name="Other", allowed_origins=[])
    vid = VisitorId()
    assert api.send(visitor_id=vid).status_code == 202
    before = count_rows()
    res = api.send(visitor_id=vid, site_key=other.site_key)
    assert res.status_code == 400 and res.get_json()["error"].startswith("visitor_id:")
    assert count_rows() == before


def test_identify_stores_email_and_traits(api, app_ctx, published):
    vid = VisitorId()
    api.send(visitor_id=vid)
    res = api.send(visitor_id=vid, type="identify", email="Jane@Acme.example",
                   traits={"name": "Jane Doe", "plan": "pro"}, url=...)
    assert res.status_code == 202
    visitor = db.session.get(Visitor, vid)
    assert visitor.email == "jane@acme.example" and visitor.email_source == "form"
    assert visitor.name == "Jane Doe" and visitor.traits["plan"] == "pro"
    assert "identify" in [c.kind for c in published]


@pytest.mark.parametrize("source", ["outreach", "salesloft"])
def test_outbound_click_through_identifies_and_is_stripped(api, app_ctx, source):
    vid = VisitorId()
    url = f"https://www.example.com/pricing?lv_email=pat%40prospect.example&lv_src={source}&x=1"
    assert api.send(visitor_id=vid, url=url).status_code == 202
    visitor = db.session.get(Visitor, vid)
    assert visitor.email == "pat@prospect.example" and visitor.email_source == source
    assert db.session.scalars(db.select(PageView)).one().url == (
        "https://www.example.com/pricing?x=1")


def test_click_through_with_an_unknown_source_does_not_identify(api, app_ctx):
    vid = VisitorId()
    url = "https://www.example.com/?lv_email=pat%40prospect.example&lv_src=spam"
    assert api.send(visitor_id=vid, url=url).status_code == 202
    assert db.session.get(Visitor, vid).email is None


def test_visitor_sent_markup_is_escaped_in_admin_pages(api, as_admin):
    vid = VisitorId()
    api.send(visitor_id=vid, title="<script>alert(1)</script>",
             url="https://www.example.com/?q=<b>x</b>")
    api.send(visitor_id=vid, type="identify", email="x@y.example",
             traits={"name": "<img src=x onerror=alert(1)>"}, url=...)
    for path in ("/settings/visitors/", f"/settings/visitors/{vid}"):
        page = as_admin.get(path).get_data(as_text=True)
        assert "<script>alert(1)" not in page and "<img src=x" not in page
        assert "&lt;img src=x" in page or "&lt;script&gt;" in page


class TestCors:
    def test_allowed_origin_gets_its_origin_back(self, api):
        res = api.send(headers={"Origin": ORIGIN})
        assert res.status_code == 202
        assert res.headers["Access-Control-Allow-Origin"] == ORIGIN
        assert "Access-Control-Allow-Credentials" not in res.headers
        assert "Origin" in res.headers["Vary"]

    def test_refused_origin_gets_403_no_cors_and_nothing_written(self, api, count_rows):
        res = api.send(headers={"Origin": "https://evil.example"})
        assert res.status_code == 403
        assert "Access-Control-Allow-Origin" not in res.headers
        assert count_rows() == EMPTY

    def test_preflight_for_an_allowed_origin(self, api):
        res = api.client.options("/t/v1/events", headers={
            "Origin": ORIGIN, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type"})
        assert res.status_code == 204
        assert res.headers["Access-Control-Allow-Origin"] == ORIGIN
        assert "POST" in res.headers["Access-Control-Allow-Methods"]
        assert "Content-Type" in res.headers["Access-Control-Allow-Headers"]

    def test_preflight_for_a_refused_origin(self, api):
        res = api.client.options("/t/v1/events", headers={
            "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
        assert res.status_code == 403
        assert "Access-Control-Allow-Origin" not in res.headers

    def test_origin_edit_applies_at_once_in_this_process(self, api, app_ctx, site):
        from liveapp.services.settings import sites

        api.send(headers={"Origin": ORIGIN})  # warm the cache
        sites.save_site(site, name=site.name, allowed_origins=["https://new.example"])
        assert api.send(headers={"Origin": ORIGIN}).status_code == 403
        assert api.send(headers={"Origin": "https://new.example"}).status_code == 202


class TestRateLimits:
    def test_per_visitor_limit(self, api, app, count_rows, monkeypatch):
        monkeypatch.setitem(app.config, "TRACKING_VISITOR_LIMIT", 3)
        vid = VisitorId()
        codes = [api.send(visitor_id=vid, type="heartbeat").status_code for _ in range(4)]
        assert codes == [202, 202, 202, 429]
        assert api.send().status_code == 202  # another visitor is fine

    def test_per_ip_limit_writes_nothing(self, api, app, count_rows, monkeypatch):
        monkeypatch.setitem(app.config, "TRACKING_IP_LIMIT", 2)
        assert [api.send().status_code for _ in range(2)] == [202, 202]
        before = count_rows()
        res = api.send()
        assert res.status_code == 429 and "error" in res.get_json()
        assert count_rows() == before

    def test_trusted_proxy_header_is_ignored_by_default(self, api, app, monkeypatch):
        monkeypatch.setitem(app.config, "TRACKING_IP_LIMIT", 1)
        assert api.send(headers={"X-Forwarded-For": "10.0.0.1"}).status_code == 202
        assert api.send(headers={"X-Forwarded-For": "10.0.0.2"}).status_code == 429

    def test_trusted_proxy_header_is_used_when_configured(self, api, app, app_ctx,
                                                          monkeypatch):
        monkeypatch.setitem(app.config, "TRACKING_IP_LIMIT", 1)
        monkeypatch.setitem(app.config, "TRUSTED_PROXY_COUNT", 1)
        vid = VisitorId()
        assert api.send(visitor_id=vid, headers={"X-Forwarded-For": "10.0.0.1"}
                        ).status_code == 202
        assert api.send(headers={"X-Forwarded-For": "10.0.0.2"}).status_code == 202
        assert db.session.get(Visitor, vid).ip == "10.0.0.1"


def test_first_events_of_one_visitor_at_once_do_not_fail(app, api, app_ctx):
    import threading

    for _ in range(5):
        vid = VisitorId()
        barrier = threading.Barrier(3)
        codes = []

        def post(kind: str, vid=vid, barrier=barrier, codes=codes) -> None:
            client = app.test_client()
            fields = {"email": "a@b.example"} if kind == "identify" else {}
            barrier.wait(timeout=5)
            body = api.body(visitor_id=vid, type=kind, **fields)
            codes.append(client.post("/t/v1/events", json=body).status_code)

        threads = [threading.Thread(target=post, args=(k,))
                   for k in ("page_view", "identify", "page_view")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=20)
        assert codes == [202, 202, 202]
        assert db.session.get(Visitor, vid) is not None
