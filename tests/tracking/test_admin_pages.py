"""Settings → Sites and Settings → Visitors."""

from __future__ import annotations

import uuid

import pytest

from liveapp.extensions import db
from liveapp.models import Site
from tests.visitor_ids import VisitorId


@pytest.mark.parametrize("path", ["/settings/sites/", "/settings/sites/new",
                                  "/settings/visitors/"])
def test_reps_get_403(as_rep, path):
    assert as_rep.get(path).status_code == 403


def test_anonymous_goes_to_login(browser):
    assert browser.get("/settings/sites/").status_code == 302


def test_create_a_site_and_see_its_snippet(as_admin, app_ctx):
    res = as_admin.post("/settings/sites/new", {
        "name": "Marketing site",
        "allowed_origins": "https://www.acme.example/\nhttp://localhost:8000",
    })
    assert res.status_code == 303
    site = db.session.scalars(db.select(Site)).one()
    assert site.allowed_origins == ["https://www.acme.example", "http://localhost:8000"]
    assert len(site.site_key) >= 20
    page = as_admin.get(res.headers["Location"]).get_data(as_text=True)
    assert f'data-site-key=&#34;{site.site_key}&#34;' in page or site.site_key in page
    assert "/static/liveapp.js" in page
    listing = as_admin.get("/settings/sites/").get_data(as_text=True)
    assert "Marketing site" in listing


@pytest.mark.parametrize(("origins", "message"), [
    ("ftp://files.example", "is not an origin"),
    ("https://www.acme.example/path", "is not an origin"),
    ("not a url", "is not an origin"),
])
def test_bad_origins_are_refused(as_admin, app_ctx, origins, message):
    res = as_admin.post("/settings/sites/new", {"name": "S", "allowed_origins": origins})
    assert res.status_code == 422
    assert message in res.get_data(as_text=True)
    assert db.session.scalars(db.select(Site)).all() == []


def test_name_is_required_and_unique(as_admin, site):
    res = as_admin.post("/settings/sites/new", {"name": "", "allowed_origins": ""})
    assert res.status_code == 422
    res = as_admin.post("/settings/sites/new", {"name": "example", "allowed_origins": ""})
    assert res.status_code == 422
    assert "already exists" in res.get_data(as_text=True)


def test_edit_origins_keeps_the_key(as_admin, app_ctx, site):
    key = site.site_key
    res = as_admin.post(f"/settings/sites/{site.id}", {
        "name": "Renamed <b>", "allowed_origins": "https://shop.example"})
    assert res.status_code == 303
    db.session.expire_all()
    site = db.session.get(Site, site.id)
    assert site.site_key == key and site.allowed_origins == ["https://shop.example"]
    assert "Renamed &lt;b&gt;" in as_admin.get("/settings/sites/").get_data(as_text=True)


def test_visitors_page_shows_live_visitors_and_history(api, as_admin):
    vid = VisitorId()
    api.send(visitor_id=vid, url="https://www.example.com/", title="Home")
    api.send(visitor_id=vid, url="https://www.example.com/pricing", title="Pricing")
    page = as_admin.get("/settings/visitors/").get_data(as_text=True)
    assert f'id="visitor-{vid}"' in page and "Pricing" in page and "active" in page
    detail = as_admin.get(f"/settings/visitors/{vid}").get_data(as_text=True)
    assert "https://www.example.com/pricing" in detail and "Home" in detail


def test_unknown_visitor_is_404(as_admin):
    assert as_admin.get(f"/settings/visitors/{uuid.uuid4()}").status_code == 404


def test_settings_nav_lists_sites_and_visitors(as_admin):
    page = as_admin.get("/settings/sites/").get_data(as_text=True)
    assert "/settings/visitors/" in page


def test_a_site_form_posted_without_its_fields_keeps_the_site(as_admin, app_ctx, site):
    response = as_admin.post(f"/settings/sites/{site.id}", {})
    assert response.status_code == 303  # not a 500 on the stored list of origins
    db.session.expire_all()
    assert db.session.get(Site, site.id).allowed_origins == ["https://www.example.com"]
