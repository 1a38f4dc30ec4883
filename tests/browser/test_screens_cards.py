"""Issue 15, points 4 and 5, in a real browser: cards that say "no match" for Salesforce,
show the reps as avatars (on cards, accept prompts and the chat) with the short routing
reason; a visitor page whose timeline gets the room, records the bot's questions, the
visitor's answers and the chat's start and close, whose chat panel shows what the bot
said before the rep joined, and which names the visitor once. Screenshots at 1440 and
375 px go under each test's tmp_path."""

from __future__ import annotations

import httpx
import pytest

from liveapp.demo.streams import seed_streams
from liveapp.domain.avatars import TEXT, contrast
from liveapp.extensions import db
from liveapp.models import Visitor
from liveapp.services.bus import changes
from liveapp.services.routing import assignments
from liveapp.services.routing.assignments import Assignment
from tests.board.conftest import ORIGIN, PRICING
from tests.browser import test_screens as screens
from tests.browser.helpers import axe_problems
from tests.browser.test_screens import (
    DESKTOP,
    PHONE,
    WAIT_MS,
    open_board,
    page_width,
    rgb_to_hex,
)
from tests.visitor_ids import cookie_of
from tests.visitor_ids import tracked as tracked_id

# The screens tests' fixtures: the events API, console errors, five streams, page views.
api, site, console = screens.api, screens.site, screens.console
five_streams, tracked = screens.five_streams, screens.tracked
pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("streams_end_with_the_test")]


def card(vid: str) -> str:
    return f'[id="visitor-{vid}"]'


def avatar_facts(locator) -> dict:
    """What a person sees of an avatar: its box, label, initials and colours."""
    facts = locator.evaluate("""e => { const s = getComputedStyle(e), r = e.getBoundingClientRect();
        return {width: r.width, height: r.height, label: e.getAttribute('aria-label'),
                role: e.getAttribute('role'), text: e.textContent.trim(),
                color: s.color, background: s.backgroundColor, radius: s.borderRadius}; }""")
    facts["contrast"] = contrast(rgb_to_hex(facts["color"]), rgb_to_hex(facts["background"]))
    return facts


def assert_avatar(locator, name: str, initials: str) -> None:
    facts = avatar_facts(locator)
    assert facts["role"] == "img" and facts["label"] == name and facts["text"] == initials
    assert facts["width"] >= 16 and facts["height"] >= 16, facts
    assert rgb_to_hex(facts["color"]) == TEXT and facts["contrast"] >= 4.5, facts


# ---------------------------------------------------------------- 4. cards


def test_cards_say_no_match_and_show_the_reps_avatars_and_the_reason(
        page, chromium, live_server, app_ctx, admin, make_user, five_streams, tracked,
        console, tmp_path):
    ann = make_user(role="rep", email="ann@example.com", name="Ann Archer")
    bob = make_user(role="rep", email="bob@example.com", name="Bob Baker")
    unmatched = tracked(url=f"{ORIGIN}/pricing", title="Pricing")
    owned = tracked(url=f"{ORIGIN}/docs", title="Docs")
    for vid, salesforce in ((unmatched, {"status": "not_found"}),
                            (owned, {"status": "ok", "record_type": "Lead",
                                     "owner_name": "Ann Archer"})):
        db.session.get(Visitor, vid).crm = {"salesforce": salesforce}
        db.session.commit()
        changes.publish(vid, "crm", salesforce=salesforce["status"])  # as the look-up does
    assignments.save(owned, Assignment(
        rule_name="Known leads", mode="round_robin", routed_to=[ann.id], offered_to=[ann.id],
        outcome="offer", trigger="pounce", reason="your Salesforce lead",
        explanation="rule Known leads matched; Salesforce Lead owner Ann Archer → Ann Archer"))
    # An inbound chat offered to both reps: Ann's board shows the accept prompt.
    asking = tracked(url=f"{ORIGIN}/blog", title="Blog")
    assignments.save(asking, Assignment(
        rule_name="Inbound", mode="first_available", routed_to=[ann.id, bob.id],
        offered_to=[ann.id, bob.id], outcome="offer", trigger="inbound",
        reason="via Inbound", explanation="asked to chat"))

    page.set_viewport_size(DESKTOP)
    open_board(page, live_server, admin)
    page.wait_for_selector(card(owned))
    row = page.locator(f"{card(unmatched)} .vc-facts dt:text-is('Salesforce') + dd")
    assert row.inner_text() == "no match"
    sf = page.locator(f"{card(owned)} .vc-facts dt:text-is('Salesforce') + dd").inner_text()
    assert sf == "Lead · owner Ann Archer"
    assert_avatar(page.locator(f"{card(owned)} .vc-reps .avatar"), "Ann Archer", "AA")
    assert page.locator(f"{card(owned)} .vc-reason").inner_text() == "Salesforce lead owner"
    offered = page.locator(f"{card(asking)} .vc-reps .avatar")
    assert offered.count() == 2
    assert avatar_facts(offered.nth(0))["background"] != avatar_facts(offered.nth(1))[
        "background"]  # two reps, two colours
    page.screenshot(path=str(tmp_path / "cards-1440.png"))

    # The rep's accept prompt names the reps it is offered to, with their avatars.
    rep_page = chromium.new_context().new_page()
    try:
        rep_page.set_viewport_size(PHONE)
        open_board(rep_page, live_server, ann)
        prompt = rep_page.locator(f'[id="offer-{asking}"]')
        prompt.wait_for(timeout=WAIT_MS)
        assert_avatar(prompt.locator(".offer-reps .avatar").nth(1), "Bob Baker", "BB")
        assert "Offered to Ann Archer, Bob Baker" in prompt.inner_text()
        assert page_width(rep_page) <= PHONE["width"]
        assert axe_problems(rep_page, "the accept prompt with avatars") == []
        rep_page.screenshot(path=str(tmp_path / "prompt-375.png"), full_page=True)

        # Ann starts a chat: the card shows her as the rep engaged, live on the admin board.
        rep_page.goto(f"{live_server}/board/visitors/{owned}")
        rep_page.wait_for_selector("[data-sse-open]", state="attached")
        rep_page.click("text=Start conversation")
        rep_page.fill(".chat-form textarea", "Hello from Ann")
        rep_page.click(".chat-form button[type=submit]")
        mine = rep_page.locator(".message-rep .who .avatar").first
        mine.wait_for(timeout=WAIT_MS)
        assert_avatar(mine, "Ann Archer", "AA")
        assert_avatar(rep_page.locator(".chat-head .avatar"), "Ann Archer", "AA")
        rep_page.screenshot(path=str(tmp_path / "chat-375.png"), full_page=True)
    finally:
        rep_page.goto("about:blank")
        rep_page.context.close()
    engaged = page.locator(f"{card(owned)} .vc-reps[data-engaged] .avatar-engaged")
    engaged.wait_for(timeout=WAIT_MS)
    assert_avatar(engaged, "Ann Archer", "AA")
    assert "Hello from Ann" in page.locator(f"{card(owned)} .vc-chat").inner_text()
    page.screenshot(path=str(tmp_path / "cards-engaged-1440.png"))
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(tmp_path / "cards-375.png"))
    assert console == []


# ---------------------------------------------------------------- 5. the visitor page


def in_the_pricing_flow(live_server: str, site_key: str) -> str:
    """A visitor on the demo's pricing page answers the bot ("Talk to sales") through the
    real widget API."""
    vid = tracked_id(None)
    headers = {"Origin": ORIGIN}
    sent = httpx.post(f"{live_server}/t/v1/events", headers=headers, timeout=5, json={
        "site_key": site_key, "visitor_id": cookie_of(vid), "type": "page_view",
        "url": PRICING, "title": "Pricing plans", "traits": {"name": "Vera Visitor"}})
    assert sent.status_code == 202, sent.text
    answered = httpx.post(f"{live_server}/t/v1/chat/answer", headers=headers, timeout=5,
                          json={"token": sent.json()["token"], "step": 2,
                                "value": "Talk to sales"})
    assert answered.status_code == 200, answered.text
    return vid


def timeline_texts(page) -> list[str]:
    return page.locator(".timeline li").evaluate_all(
        "ls => ls.map(l => l.textContent.replace(/\\s+/g, ' ').trim())")


def test_the_visitor_page_gives_the_timeline_room_and_tells_the_whole_story(
        page, live_server, app_ctx, site, rep, console, tmp_path):
    seed_streams()
    vid = in_the_pricing_flow(live_server, site.site_key)
    assignments.save(vid, Assignment(rule_name="Everyone", mode="first_available",
                                     routed_to=[rep.id], explanation="test"))
    page.set_viewport_size(DESKTOP)
    open_board(page, live_server, rep)
    page.goto(f"{live_server}/board/visitors/{vid}")
    page.wait_for_selector("[data-sse-open]", state="attached")

    # Card, timeline and chat side by side; the timeline takes what is left.
    boxes = page.evaluate("""() => Object.fromEntries(
        [['card', '.visitor-detail .visitor-card'], ['timeline', '.timeline'],
         ['chat', '.chat']].map(([k, s]) => {
            const r = document.querySelector(s).getBoundingClientRect();
            return [k, {left: r.left, right: r.right, top: r.top, width: r.width}]; }))""")
    assert boxes["timeline"]["width"] >= 500, boxes
    assert boxes["card"]["right"] <= boxes["timeline"]["left"], boxes
    assert boxes["timeline"]["right"] <= boxes["chat"]["left"], boxes
    assert boxes["chat"]["left"] - boxes["timeline"]["right"] <= 40, boxes  # no hole
    assert abs(boxes["card"]["top"] - boxes["timeline"]["top"]) < 80, boxes
    assert page_width(page) <= DESKTOP["width"]

    # The visitor's name once on screen (the heading), not again on the card.
    assert page.locator("h1").inner_text() == "Vera Visitor"
    shown = page.get_by_text("Vera Visitor", exact=True)
    assert [shown.nth(i).is_visible() for i in range(shown.count())].count(True) == 1

    # The bot's question and the visitor's answer, in the timeline and the chat area.
    asked = page.locator(".timeline li.tl-bot")
    assert asked.count() == 1, timeline_texts(page)
    assert asked.inner_text().endswith("Asked “What would help most?”, answered “Talk to sales”")
    before = page.locator(".chat-bot")
    assert "What would help most?" in before.inner_text()

    page.click("text=Start conversation")
    page.wait_for_selector(".chat-panel .chat-bot", timeout=WAIT_MS)
    bot = page.locator(".chat-panel .chat-bot .message").evaluate_all(
        "ls => ls.map(l => l.textContent.replace(/\\s+/g, ' ').trim())")
    assert bot == ["Bot Comparing plans? I can answer pricing questions.",
                   "Bot What would help most?", "Visitor Talk to sales",
                   "Bot Where can we reach you?"]
    page.wait_for_function("""() => [...document.querySelectorAll('.timeline li')]
        .some(l => l.textContent.includes('Chat started by Rita Rep'))""", timeout=WAIT_MS)
    page.fill(".chat-form textarea", "Hi Vera, how can I help?")
    page.click(".chat-form button[type=submit]")
    page.wait_for_selector(".message-rep .body:text('Hi Vera')", timeout=WAIT_MS)
    assert axe_problems(page, "the visitor page with the bot's Q&A and a chat") == []
    page.screenshot(path=str(tmp_path / "visitor-1440.png"), full_page=True)

    page.once("dialog", lambda d: d.accept())
    page.click("text=Close conversation")
    page.wait_for_function("""() => [...document.querySelectorAll('.timeline li')]
        .some(l => l.textContent.includes('Chat with Rita Rep closed'))""", timeout=WAIT_MS)

    page.set_viewport_size(PHONE)
    page.wait_for_timeout(100)
    assert page_width(page) <= PHONE["width"]
    page.screenshot(path=str(tmp_path / "visitor-375.png"), full_page=True)
    assert console == []
