"""What a visitor answers in the chat is a visitor fact an admin sees live: the board's
card moves to the stream of a segment on the answered company size and says what they
said; and an admin builds a routing rule on that segment in the form."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from liveapp.extensions import db
from liveapp.models import RoutingRule
from liveapp.services.membership import experiences, live_membership
from tests.board import conftest as board_fixtures
from tests.board.conftest import ORIGIN, PRICING
from tests.browser.helpers import htmx_swap
from tests.browser.test_board_live import card, sign_in
from tests.factories import SegmentFactory, StreamFactory
from tests.visitor_ids import VisitorId

site = board_fixtures.site  # the events API's site, allowing ORIGIN

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("streams_end_with_the_test")]
WAIT_MS = 5_000


@pytest.fixture
def large(app_ctx):
    """A "Large companies" stream of visitors who said they have more than 200 people, and
    a flow on /pricing asking company size and industry."""
    segment = SegmentFactory(name="Large companies", criteria={"match": "all", "conditions": [
        {"field": "answered_company_size", "operator": "in_list", "value": ["201-1000", "1001+"]}]})
    stream = StreamFactory(name="Large companies", position=0, segments=[segment])
    experiences.save_experience(
        None, name="Qualify", active=True, audience=[],
        targeting=[{"kind": "contains", "value": "/pricing", "exclude": False}],
        flow=[{"type": "question", "text": "How big is your team?", "question": "company_size"},
              {"type": "question", "text": "Your industry?", "question": "industry"}])
    live_membership.bump_settings_version()
    return segment, stream


def _post(live_server: str, path: str, body: dict) -> dict:
    response = httpx.post(f"{live_server}{path}", json=body, headers={"Origin": ORIGIN},
                          timeout=5)
    assert response.status_code in (200, 202), response.text
    return response.json()


def test_the_card_moves_and_says_what_the_visitor_answered(page, live_server, admin, site,
                                                           large):
    _, stream = large
    sign_in(page, live_server, admin)
    vid = VisitorId()
    token = _post(live_server, "/t/v1/events", {"site_key": site.site_key, "visitor_id": vid.cookie,
                                                 "type": "page_view", "url": PRICING})["token"]
    page.wait_for_selector(f"#stream-other-cards {card(vid)}", timeout=WAIT_MS)
    _post(live_server, "/t/v1/chat/answer", {"token": token, "step": 0, "value": "201-1000"})
    moved = f"#stream-{stream.id}-cards {card(vid)}"
    page.wait_for_selector(moved, timeout=WAIT_MS)
    _post(live_server, "/t/v1/chat/answer", {"token": token, "step": 1, "value": "<b>Soft</b>"})
    page.wait_for_selector(f"{moved} .vc-said:has-text('<b>Soft</b>')", timeout=WAIT_MS)
    assert page.inner_text(f"{moved} .vc-said") == "201–1000 employees · <b>Soft</b>"
    assert page.locator(f"{moved} .vc-said b").count() == 0
    assert page.evaluate("window.notReloaded") is True


def test_an_admin_routes_a_segment_with_in_segment(page, live_server, admin, app_ctx, large):
    segment, _ = large
    sign_in(page, live_server, admin)
    page.goto(f"{live_server}/settings/routing/new")
    page.fill("input[name=name]", "Large companies first")
    htmx_swap(page, "/settings/segments/condition-row",
              lambda: page.click("button.add-condition"))
    htmx_swap(page, "/settings/segments/condition-row",
              lambda: page.select_option("select[name=conditions-0-field]", "segment_ids"))
    assert page.locator("select[name=conditions-0-operator] option").all_inner_texts() == [
        "is", "is not"]
    page.select_option("select[name=conditions-0-value]", label="Large companies")
    page.check("input[name=route_to_all]")
    page.click("#rule-form button[type=submit]")
    page.wait_for_url(f"{live_server}/settings/routing/")
    assert "In segment is Large companies" in page.inner_text("#rule-list")
    rule = db.session.scalar(select(RoutingRule))
    assert rule.criteria["conditions"] == [
        {"field": "segment_ids", "operator": "equals", "value": segment.id}]

    page.goto(f"{live_server}/settings/segments/new")  # segments cannot test segments
    assert page.locator("select[name=conditions-0-field] option[value=segment_ids]").count() == 0
    assert page.locator("select[name=conditions-0-field] optgroup[label=Chat]").count() == 1
