"""Invitation triggers, in chromium against the real server: an admin sets the Pricing Page
experience to open the chat by itself on the settings form; a visitor on the pricing page
sees the widget open on its own, once per visit; exit intent and scroll depth open it
too, each when its moment comes."""

from __future__ import annotations

import time

import pytest

from liveapp.extensions import db
from liveapp.models import Experience
from tests.browser.helpers import sign_in
from tests.browser.test_widget import LIVE, demo, visitor_page  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]

OPEN = ".lvw-panel:visible"


def _pricing_page_opens_on(invitation: dict) -> None:
    experience = db.session.query(Experience).filter_by(name="Pricing Page").one()
    experience.invitation = invitation
    db.session.commit()


def _still_closed(page, seconds: float) -> bool:
    time.sleep(seconds)
    return page.locator(".lvw-panel").is_hidden()


def test_the_admin_sets_a_time_on_page_invitation_and_it_opens_once_per_visit(
        demo, admin, chromium, visitor_page):  # noqa: F811
    admin_page = chromium.new_context().new_page()
    sign_in(admin_page, demo, admin.email)
    admin_page.goto(f"{demo}/settings/experiences/")
    admin_page.click("#experience-list >> text=Pricing Page")
    admin_page.select_option("select[name=invitation_trigger]", "time_on_page")
    admin_page.fill("input[name=invitation_value]", "2")
    admin_page.click("button[type=submit] >> text=Save")
    admin_page.wait_for_selector("text=Opens by itself: After some time on the page: 2 seconds")
    admin_page.context.close()

    page = visitor_page
    page.goto(f"{demo}/demo-site/pricing")
    page.wait_for_function(LIVE)
    assert page.locator(".lvw-launcher").is_visible() and page.locator(".lvw-panel").is_hidden()
    page.wait_for_selector(OPEN)  # two seconds on the page: open, nobody clicked
    page.wait_for_selector(".lvw-bot >> text=Comparing plans? I can answer pricing questions.")
    page.click(".lvw-close")
    # The same visit, another page view: invited once already, it stays closed.
    page.reload()
    page.wait_for_function(LIVE)
    assert _still_closed(page, 3.5)


def test_exit_intent_and_scroll_depth_open_it_at_their_moment(demo, chromium):  # noqa: F811
    _pricing_page_opens_on({"trigger": "exit_intent", "value": None})
    context = chromium.new_context()
    page = context.new_page()
    page.goto(f"{demo}/demo-site/pricing")
    page.wait_for_function(LIVE)
    page.mouse.move(300, 300)
    page.mouse.move(300, 120)
    assert _still_closed(page, 1)  # moving within the page is no exit
    page.evaluate("document.dispatchEvent(new MouseEvent('mouseout', "
                  "{clientX: 300, clientY: -2, bubbles: true}))")  # out through the top
    page.wait_for_selector(OPEN)
    context.close()

    _pricing_page_opens_on({"trigger": "scroll_depth", "value": 90})
    context = chromium.new_context(viewport={"width": 800, "height": 300})
    page = context.new_page()
    page.goto(f"{demo}/demo-site/pricing")
    page.wait_for_function(LIVE)
    tall = page.evaluate("document.documentElement.scrollHeight")
    assert tall > 600, "the pricing page must scroll at this height"
    page.mouse.wheel(0, 20)
    assert _still_closed(page, 1)
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    page.wait_for_selector(OPEN)
    context.close()
