"""Two browsers: a visitor whose request finds the routed group closed (business hours)
leaves an offline message in the widget; the group's rep, in another context, reads it
in Conversations, escaped, and opens the visitor's page, where it is on the timeline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from liveapp.extensions import db
from liveapp.services.routing import assignments
from tests.browser.helpers import eventually, sign_in
from tests.browser.test_conversations_e2e import asks_for_a_rep
from tests.browser.test_widget import demo, visitor_page  # noqa: F401  (fixtures)
from tests.factories import GroupFactory, RoutingRuleFactory
from tests.routing_jobs.conftest import job_app, work  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]


@pytest.fixture
def closed_desk(app_ctx, rep):
    """Group Night Desk (Rita) closed today and tomorrow, and a rule routing every
    inbound request to it."""
    today = datetime.now(UTC).date()
    group = GroupFactory(name="Night Desk", members=[rep], time_zone="UTC",
                         business_hours=[[["00:00", "24:00"]]] * 7,
                         holidays=[str(today), str(today + timedelta(days=1))])
    RoutingRuleFactory(route_to_all=False, route_to_groups=[group], when_nobody="queue")
    db.session.commit()
    return group


def test_the_visitor_leaves_a_message_and_the_rep_reads_it(
        job_app, demo, visitor_page, closed_desk, rep, chromium):  # noqa: F811
    page = visitor_page
    vid = asks_for_a_rep(page, demo)

    def routed():
        work()
        return assignments.get(vid)

    assert eventually(routed).closed  # the routing job: Night Desk is closed
    page.wait_for_selector(".lvw-note >> text=Nobody can chat right now")
    assert page.locator(".lvw-note >> text=A rep will be with you").count() == 0
    page.wait_for_selector(".lvw-booker")
    assert page.input_value(".lvw-offline input[type=email]") == "pat@acme.example"
    page.fill(".lvw-offline textarea", '<img src=x onerror="document.title=1">Call me')
    page.click(".lvw-offline button")
    page.wait_for_selector(".lvw-done >> text=Thanks! We will reply to pat@acme.example.")

    context = chromium.new_context()
    try:
        rep_page = context.new_page()
        rep_page.set_default_timeout(10_000)
        sign_in(rep_page, demo, rep.email)
        rep_page.goto(f"{demo}/conversations/")
        row = rep_page.locator(".offline-messages tbody tr").first
        assert "Call me" in row.text_content()
        assert rep_page.locator(".offline-body").first.text_content().startswith(
            '<img src=x onerror="document.title=1">Call me')
        assert rep_page.locator(".offline-messages img").count() == 0
        row.locator("a").first.click()
        rep_page.wait_for_selector(".tl-offline_message >> text=Call me")
        assert rep_page.title() != "1"
    finally:
        context.close()
