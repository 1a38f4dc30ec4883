"""Pounce arrivals in real browsers: two reps with their boards open; a visitor is routed
to Ann for pounce. Ann's board shows the arrival notice (text, not markup, of what the
visitor sent), sounds it and raises the desktop notification, whose click opens the
visitor; Bob's board shows nothing; the notice is not an offer and can be dismissed."""

from __future__ import annotations

import httpx
import pytest

from liveapp.services.routing import router
from tests.routing_jobs import conftest as routing_fixtures
from tests.routing_jobs.conftest import work
from tests.tracking.conftest import ORIGIN
from tests.visitor_ids import VisitorId

api, site = routing_fixtures.api, routing_fixtures.site
job_app, make_rule = routing_fixtures.job_app, routing_fixtures.make_rule

pytestmark = pytest.mark.browser
WAIT_MS = 5_000  # upper bound of every wait; nothing here asserts a timing
NAME, TITLE = "<i>Vera</i> Visitor", "Pricing <b>plans</b>"
LINE = f"{NAME}, via Pricing visitors, is on {TITLE}"


def visitor_lands(live_server: str, site_key: str) -> str:
    """A visitor (with HTML in their name and page title) browses the pricing page."""
    vid = VisitorId()
    tracked = httpx.post(f"{live_server}/t/v1/events", headers={"Origin": ORIGIN}, timeout=5,
                         json={"site_key": site_key, "visitor_id": vid.cookie, "type": "page_view",
                               "url": f"{ORIGIN}/pricing", "title": TITLE,
                               "traits": {"name": NAME}})
    assert tracked.status_code == 202, tracked.text
    return vid


def test_the_routed_rep_is_told_their_pounce_visitor_just_arrived(
        job_app, app_ctx, live_server, site, reps, make_rule, boards):
    ann, bob = reps
    make_rule([ann], name="Pricing visitors", distribution="round_robin")
    ann_page, bob_page = boards(ann, bob)
    ann_page.click("[data-offer-sound]")  # sound on (the click that lets a page play audio)
    beeps = ann_page.evaluate("window.__beeps")

    vid = visitor_lands(live_server, site.site_key)
    router.enqueue_routing(vid, "pounce")
    work()
    notice = f'[id="arrival-{vid}"]'
    ann_page.wait_for_selector(notice, timeout=WAIT_MS)
    assert LINE in ann_page.inner_text(notice)
    assert ann_page.locator(f"{notice} .arrival-line *").count() == 0  # text, no markup
    ann_page.wait_for_function("() => (window.__notes || []).length > 0", timeout=WAIT_MS)
    assert ann_page.evaluate("window.__notes") == [
        f"{LINE} | Your pounce visitor: open them to start a chat"]
    assert ann_page.evaluate("window.__beeps") == beeps + 1
    assert ann_page.get_attribute("[data-offers]", "data-alerts") == "1"
    assert ann_page.locator(f"{notice} [data-accept], {notice} time").count() == 0
    assert bob_page.locator(notice).count() == 0
    assert bob_page.evaluate("window.__notes") == []

    ann_page.click(f"{notice} [data-dismiss]")
    assert ann_page.locator(notice).count() == 0
    ann_page.evaluate("window.__noteObjs[0].onclick()")  # the desktop notification's click
    ann_page.wait_for_url(f"{live_server}/board/visitors/{vid}", timeout=WAIT_MS)
