"""A rep's board and a visitor's detail, live in a real browser: cards appear, move and
leave, and the timeline grows, with no reload."""

from __future__ import annotations

import time

import httpx
import pytest

from liveapp.domain.visitor_presence import LEAVE_GRACE
from liveapp.services.tracking import visitor_events
from tests.board import conftest as board_fixtures
from tests.board.conftest import DOCS, ORIGIN, PRICING, Visitors
from tests.visitor_ids import VisitorId, cookie_of

# Fixtures of the board tests, shared here.
api, site = board_fixtures.api, board_fixtures.site
rep_a, streams = board_fixtures.rep_a, board_fixtures.streams

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("streams_end_with_the_test")]
WAIT_MS = 5_000  # upper bound of every wait; nothing here asserts a timing


@pytest.fixture
def tracked(live_server, site):
    def send(vid: str, type: str = "page_view", url: str = PRICING, **fields) -> None:
        body = {"site_key": site.site_key, "visitor_id": cookie_of(vid), "type": type, "url": url,
                **fields}
        response = httpx.post(f"{live_server}/t/v1/events", json=body,
                              headers={"Origin": ORIGIN}, timeout=5)
        assert response.status_code == 202, response.text

    return send


def sign_in(page, live_server, user) -> None:
    page.goto(f"{live_server}/auth/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", "correct-horse-battery")
    page.click("button[type=submit]")
    page.wait_for_selector("[data-sse-open]", state="attached")
    page.evaluate("window.notReloaded = true")


def card(vid: str) -> str:
    return f'[id="visitor-{vid}"]'


def test_cards_appear_move_and_leave_without_reload(
        page, live_server, app_ctx, api, streams, rep_a, tracked):
    sign_in(page, live_server, rep_a)
    assert page.locator(".empty-state").is_visible()
    vid = VisitorId()
    Visitors(api).route(vid, rep_a)
    tracked(vid, url=PRICING, title="Pricing plans")
    pricing = f"#stream-{streams['pricing'].id}"
    docs = f"#stream-{streams['docs'].id}"
    page.wait_for_selector(f"{pricing}-cards {card(vid)}", timeout=WAIT_MS)
    assert page.locator(f"{pricing} h2").inner_text() == "Pricing"
    assert "Pricing plans" in page.locator(card(vid)).inner_text()
    assert not page.locator(".empty-state").is_visible()
    assert not page.locator(docs).is_visible()

    tracked(vid, url=DOCS, title="Docs home")
    page.wait_for_selector(f"{docs}-cards {card(vid)}", timeout=WAIT_MS)
    assert page.locator(card(vid)).count() == 1
    assert page.locator(f"{docs} h2").inner_text() == "Docs"
    assert not page.locator(pricing).is_visible()  # Alice has nobody left in Pricing

    tracked(vid, type="leave", url=DOCS)
    visitor_events.expire_presence(time.time() + LEAVE_GRACE + 1)
    page.wait_for_selector(card(vid), state="detached", timeout=WAIT_MS)
    assert page.locator(".empty-state").is_visible()
    assert page.evaluate("window.notReloaded") is True


def test_the_detail_timeline_grows_live(page, live_server, app_ctx, api, streams, rep_a, tracked):
    vid = VisitorId()
    Visitors(api).route(vid, rep_a)
    tracked(vid, url=PRICING, title="Pricing plans")
    sign_in(page, live_server, rep_a)
    page.click(f"{card(vid)} .vc-name")
    page.wait_for_selector(f"#timeline-{vid}", timeout=WAIT_MS)
    page.wait_for_selector("[data-sse-open]", state="attached")
    timeline = page.locator(f"#timeline-{vid} li")
    before = timeline.count()
    assert "Pricing plans" in page.locator(f"#timeline-{vid}").inner_text()
    tracked(vid, url=DOCS, title="Docs home")
    page.wait_for_function(
        f"() => document.querySelectorAll('#timeline-{vid} li').length > {before}",
        timeout=WAIT_MS)
    assert "Docs home" in page.locator(f"#timeline-{vid}").inner_text()
    page.wait_for_selector(f"{card(vid)} .vc-title:text('Docs home')", timeout=WAIT_MS)
    assert "Alice Rep viewing" in page.locator(card(vid)).inner_text()


def test_the_admin_board_shows_every_visitor_live(page, live_server, app_ctx, admin, streams,
                                                  tracked):
    sign_in(page, live_server, admin)
    vid = VisitorId()
    tracked(vid, url=f"{ORIGIN}/about", title="About us")  # in no stream, routed to nobody
    page.wait_for_selector(f"#stream-other-cards {card(vid)}", timeout=WAIT_MS)
    assert page.locator("#stream-other h2").inner_text() == "Other visitors"
    tracked(vid, url=PRICING, title="Pricing plans")
    page.wait_for_selector(f"#stream-{streams['pricing'].id}-cards {card(vid)}", timeout=WAIT_MS)
    assert not page.locator("#stream-other").is_visible()
    assert page.evaluate("window.notReloaded") is True


def test_the_why_line_reads_whole_on_a_narrow_card(page, live_server, app_ctx, api, streams,
                                                  rep_a, tracked):
    """The routing explanation is text on the card (not a tooltip), wrapped, never cut."""
    page.set_viewport_size({"width": 360, "height": 800})
    why = ("rule Target accounts matched; Salesforce owner is not a chat user "
           "(former.owner.with.a.very.long.address@northwindanalytics.example); "
           "Enterprise group: Alice Rep is available → Alice Rep")
    vid = VisitorId()
    Visitors(api).route(vid, rep_a, explanation=why)
    tracked(vid, url=PRICING, title="Pricing plans")
    sign_in(page, live_server, rep_a)
    line = page.locator(f"{card(vid)} .vc-why")
    line.wait_for(timeout=WAIT_MS)
    assert line.inner_text() == f"Why: {why}"
    assert line.get_attribute("title") is None
    fits = line.evaluate("""el => {
        const card = el.closest('.visitor-card').getBoundingClientRect();
        const box = el.getBoundingClientRect();
        return el.scrollWidth <= el.clientWidth && box.right <= card.right + 0.5
            && getComputedStyle(el).overflow === 'visible'
            && getComputedStyle(el).textOverflow !== 'ellipsis';
    }""")
    assert fits
