"""A person browses the demo site in chromium; the real events API records the visit."""

import time

import pytest
from sqlalchemy import select

from liveapp.demo.seeding import DEMO_SITE_NAME
from liveapp.extensions import db
from liveapp.models import PageView, Visitor
from liveapp.services.settings import sites
from liveapp.services.tracking import hot_state
from tests.browser.helpers import eventually
from tests.visitor_ids import VisitorId

pytestmark = pytest.mark.browser



def test_demo_site_visit_is_recorded_end_to_end(page, live_server, app_ctx):
    sites.save_site(None, name=DEMO_SITE_NAME, allowed_origins=[live_server])
    page.goto(f"{live_server}/demo-site/"
              "?lv_email=pat%40acme.example&lv_src=outreach&utm_source=mail")
    page.wait_for_function("() => !location.search.includes('lv_email')")
    assert "utm_source=mail" in page.url and "lv_src" not in page.url
    cookie = next(c["value"] for c in page.context.cookies() if c["name"] == "lv_vid")
    visitor_id = VisitorId(cookie)
    page.click("nav >> text=Pricing")
    page.wait_for_load_state("load")
    views = eventually(lambda: len(db.session.scalars(
        select(PageView).where(PageView.visitor_id == visitor_id)).all()) >= 2 and
        db.session.scalars(select(PageView).where(PageView.visitor_id == visitor_id)
                           .order_by(PageView.at)).all())
    assert views, "the page views never reached the database"
    assert "/demo-site/pricing" in views[-1].url
    assert views[-1].title and "Pricing" in views[-1].title
    visitor = eventually(lambda: db.session.scalar(
        select(Visitor).where(Visitor.id == visitor_id, Visitor.email.is_not(None))))
    assert visitor is not None, "the lv_email click-through did not identify the visitor"
    assert (visitor.email, visitor.email_source) == ("pat@acme.example", "outreach")
    # The page view's row is committed before its hot state is saved: wait for both.
    state = eventually(lambda: (s := hot_state.load(visitor_id)) is not None
                       and "/demo-site/pricing" in s.url and s)
    assert state, f"hot state never reached the pricing page: {hot_state.load(visitor_id)}"
    assert state.presence.state == "active"
    # Let the tab's last beacon (leave, on close) land before the test's data is wiped.
    page.context.close()
    time.sleep(0.5)
