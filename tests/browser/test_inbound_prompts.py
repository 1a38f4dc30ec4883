"""Inbound chat in real browsers: two reps with their boards open; a visitor asks to chat
through the widget API. First Available: both boards show the accept prompt, one rep
accepts and lands on the visitor, the other's prompt disappears without a reload. Round
Robin: one board at a time, with a countdown, moving on when the offer times out."""

from __future__ import annotations

import httpx
import pytest

from tests.routing_jobs import conftest as routing_fixtures
from tests.routing_jobs.conftest import run_scheduled, work
from tests.tracking.conftest import ORIGIN
from tests.visitor_ids import VisitorId

# Fixtures of the routing job tests, shared here.
api, site = routing_fixtures.api, routing_fixtures.site
job_app, make_rule = routing_fixtures.job_app, routing_fixtures.make_rule

# Visitors land on a flow that starts with Route for Inbound Chat: they may ask for a rep.
pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("inbound_flow")]
WAIT_MS = 5_000  # upper bound of every wait; nothing here asserts a timing

def visitor_asks_to_chat(live_server: str, site_key: str, name: str) -> str:
    """A visitor browses the pricing page and asks to chat, through the real APIs."""
    vid = VisitorId()
    headers = {"Origin": ORIGIN}
    tracked = httpx.post(f"{live_server}/t/v1/events", headers=headers, timeout=5, json={
        "site_key": site_key, "visitor_id": vid.cookie, "type": "page_view",
        "url": f"{ORIGIN}/pricing", "title": "Pricing plans", "traits": {"name": name}})
    assert tracked.status_code == 202, tracked.text
    token = tracked.json()["token"]
    asked = httpx.post(f"{live_server}/t/v1/chat/request", headers=headers, timeout=5,
                       json={"token": token})
    assert asked.status_code == 202, asked.text
    work()  # the routing job
    return vid


def prompt(vid: str) -> str:
    return f'[id="offer-{vid}"]'


def test_first_available_one_rep_accepts_the_others_prompt_disappears(
        job_app, app_ctx, live_server, site, reps, make_rule, boards):
    make_rule(reps, name="Pricing visitors", distribution="first_available")
    ann_page, bob_page = boards(*reps)
    vid = visitor_asks_to_chat(live_server, site.site_key, "Vera Visitor")
    for page in (ann_page, bob_page):
        page.wait_for_selector(prompt(vid), timeout=WAIT_MS)
        text = page.locator(prompt(vid)).inner_text()
        assert "Vera Visitor" in text and "Pricing plans" in text and "Pricing visitors" in text
        page.wait_for_function("() => (window.__notes || []).length > 0", timeout=WAIT_MS)
        assert page.evaluate("window.__notes") == ["Vera Visitor wants to chat | Pricing plans"]
        assert page.get_attribute("[data-offers]", "data-alerts") == "1"

    ann_page.click(f"{prompt(vid)} [data-accept]")
    ann_page.wait_for_url(f"{live_server}/board/visitors/{vid}", timeout=WAIT_MS)
    # Bob's prompt gives way to a note saying who took it (no Accept left to click).
    bob_page.wait_for_selector(f"{prompt(vid)}[data-offer-taken]:has-text('Ann Rep accepted "
                               "first.')", timeout=WAIT_MS)
    assert bob_page.evaluate("window.notReloaded") is True
    assert bob_page.locator("[data-offer]").count() == 0


def test_a_late_accept_says_who_is_chatting(job_app, app_ctx, live_server, site, reps,
                                            make_rule, boards):
    from liveapp.services.chat import conversations

    make_rule(reps)
    ann_page, bob_page = boards(*reps)
    vid = visitor_asks_to_chat(live_server, site.site_key, "Vera Visitor")
    bob_page.wait_for_selector(prompt(vid), timeout=WAIT_MS)
    # Ann's accept lands while Bob's board has not yet heard of it: Bob clicks a prompt
    # about to disappear (simulated by keeping a copy of it on his board).
    bob_page.evaluate("""(id) => {
        const copy = document.getElementById(id).cloneNode(true);
        copy.id = id + "-stale";
        copy.querySelector(".offer-result").id = "stale-result";
        document.getElementById("offers-list").appendChild(copy);
    }""", f"offer-{vid}")
    conversations.claim(vid, reps[0], "inbound")
    bob_page.wait_for_selector(f"{prompt(vid)}[data-offer-taken]", timeout=WAIT_MS)
    bob_page.click(f'[id="offer-{vid}-stale"] [data-accept]')
    bob_page.wait_for_selector("#stale-result:has-text('Ann Rep is already chatting "
                               "with this visitor.')", timeout=WAIT_MS)
    assert bob_page.evaluate("window.notReloaded") is True


def test_round_robin_prompts_one_board_with_a_countdown_then_the_next(
        job_app, app_ctx, live_server, site, reps, make_rule, boards):
    ann, bob = reps
    make_rule(reps, distribution="round_robin", offer_timeout_seconds=60)
    ann_page, bob_page = boards(ann, bob)
    vid = visitor_asks_to_chat(live_server, site.site_key, "Rob Robin")
    ann_page.wait_for_selector(prompt(vid), timeout=WAIT_MS)
    ann_page.wait_for_selector(f"{prompt(vid)} time[data-until]:has-text('left to accept')",
                               timeout=WAIT_MS)
    assert bob_page.locator(prompt(vid)).count() == 0
    # Permission already granted: no "Enable desktop alerts" button.
    assert not ann_page.is_visible("[data-offer-notify]")

    # The sound toggle is remembered across a reload.
    ann_page.click("[data-offer-sound]")
    assert ann_page.inner_text("[data-offer-sound]") == "Sound on"
    ann_page.reload()
    ann_page.wait_for_selector("[data-sse-open]", state="attached")
    assert ann_page.inner_text("[data-offer-sound]") == "Sound on"
    assert ann_page.locator(prompt(vid)).count() == 1  # the reload shows the prompt too

    assert len(run_scheduled(ann.id)) == 1  # Ann lets the offer run out
    work()
    bob_page.wait_for_selector(f"{prompt(vid)} time[data-until]", timeout=WAIT_MS)
    ann_page.wait_for_selector(prompt(vid), state="detached", timeout=WAIT_MS)
    assert bob_page.evaluate("window.notReloaded") is True
