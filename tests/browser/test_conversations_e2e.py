"""Conversations end to end, a rep and a visitor each in their own browser: the rep
pounces from the visitor detail and the visitor (on a demo-site page, in the widget)
sees the message and replies, which the rep sees without reload; and a visitor whose
inbound request nobody takes books a meeting in the widget, which the rep then sees."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from liveapp.demo.seeding import DEMO_SITE_NAME
from liveapp.demo.streams import seed_streams
from liveapp.extensions import db, redis
from liveapp.models import Meeting, Message, Visitor
from liveapp.services.routing import assignments, router
from liveapp.services.settings import sites
from tests.browser.helpers import eventually, htmx_swap, sign_in
from tests.routing_jobs import conftest as routing_fixtures
from tests.routing_jobs.conftest import run_scheduled, work
from tests.visitor_ids import VisitorId

job_app, make_rule = routing_fixtures.job_app, routing_fixtures.make_rule
make_rep = routing_fixtures.make_rep

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]
WAIT_MS = 10_000  # upper bound of every wait; nothing here asserts a timing
LIVE = "() => window.liveapp && window.liveapp.chat && window.liveapp.chat.live === true"



@pytest.fixture
def demo(app, app_ctx, live_server, monkeypatch):
    monkeypatch.setitem(app.config, "SSE_PING_INTERVAL", 0.2)
    sites.save_site(None, name=DEMO_SITE_NAME, allowed_origins=[live_server])
    seed_streams()
    return live_server


@pytest.fixture
def visitor_page(chromium, app):
    """The visitor's own browser (another context: its own cookies)."""
    from liveapp.infra.fanout import hub_for

    context = chromium.new_context()
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    yield page
    context.close()  # its leave beacon lands before the data is wiped
    deadline = time.monotonic() + 5
    while hub_for(app).listener_count() and time.monotonic() < deadline:
        time.sleep(0.05)


def _visitor_id(page) -> str:
    vid = VisitorId(next(c["value"] for c in page.context.cookies() if c["name"] == "lv_vid"))
    assert eventually(lambda: db.session.get(Visitor, vid)), "the visit was never recorded"
    return vid


def asks_for_a_rep(visitor_page, demo: str) -> str:
    """The visitor goes through the pricing flow in the widget to a request for a rep
    ("Talk to sales", their email); returns their id."""
    visitor_page.goto(f"{demo}/demo-site/pricing")
    visitor_page.wait_for_function(LIVE)
    vid = _visitor_id(visitor_page)
    visitor_page.click(".lvw-launcher")
    visitor_page.click(".lvw-choice >> text=Talk to sales")
    visitor_page.fill(".lvw-question input", "pat@acme.example")
    visitor_page.click(".lvw-question button")
    visitor_page.wait_for_selector(".lvw-note >> text=A rep will be with you in a moment…")
    return vid


def pounce(page, demo: str, rep, vid: str) -> None:
    """The visitor is routed to the rep, who signs in, opens their page (its stream open)
    and starts a conversation."""
    assignments.save(vid, assignments.Assignment(
        rule_name="Everyone", mode="first_available", routed_to=[rep.id], explanation="test"))
    sign_in(page, demo, rep.email)
    with page.expect_response(lambda r: r.url.endswith("/viewing")):
        page.goto(f"{demo}/board/visitors/{vid}")
    page.wait_for_selector("[data-sse-open]", state="attached")
    page.evaluate("window.notReloaded = true")
    htmx_swap(page, "/conversations/claim/", lambda: page.click("text=Start conversation"))


def test_rep_pounces_and_the_visitor_replies_in_the_widget(demo, page, visitor_page, rep):
    visitor_page.goto(f"{demo}/demo-site/product")
    visitor_page.wait_for_function(LIVE)
    vid = _visitor_id(visitor_page)
    pounce(page, demo, rep, vid)
    page.fill(".chat-form textarea", "Hi, I'm Rita. Anything I can help with?")
    htmx_swap(page, "/messages", lambda: page.click(".chat-form button[type=submit]"))

    # The visitor's widget opens by itself with the rep's name and message.
    visitor_page.wait_for_selector(".lvw-panel:visible")
    assert visitor_page.text_content(".lvw-title") == "Rita Rep"
    visitor_page.wait_for_selector(".lvw-rep >> text=Hi, I'm Rita. Anything I can help with?")
    visitor_page.fill(".lvw-send textarea", "Yes: do you have <i>SSO</i>?")
    visitor_page.click(".lvw-send button")

    # The rep sees the reply in the panel, live, as text.
    page.wait_for_selector(".message-visitor")
    assert page.locator(".message-visitor .body").inner_text() == "Yes: do you have <i>SSO</i>?"
    assert page.locator(".chat-messages i").count() == 0
    assert page.evaluate("window.notReloaded") is True
    senders = eventually(lambda: [m.sender for m in db.session.scalars(
        select(Message).join(Message.conversation).order_by(Message.id)) if m])
    assert senders == ["rep", "visitor"]


def test_nobody_answers_so_the_visitor_books_a_meeting_the_rep_sees(
        job_app, demo, page, visitor_page, make_rep, make_rule):
    ann = make_rep(name="Ann Rep", email="ann@example.com")  # her board is open
    make_rule([ann], name="Pricing visitors", distribution="round_robin",
              offer_timeout_seconds=20)

    sign_in(page, demo, ann.email)  # Ann's board is open throughout
    page.wait_for_selector("[data-sse-open]", state="attached")
    page.evaluate("window.notReloaded = true")

    vid = asks_for_a_rep(visitor_page, demo)

    # Ann's offer times out through a real worker: the widget shows Ann's free times.
    assert eventually(lambda: redis.client.exists(router.lock_key(vid)))  # job queued
    work()
    assert eventually(lambda: (a := assignments.get(vid)) and a.offered_to == [ann.id])
    page.wait_for_selector(f'[id="offer-{vid}"] time[data-until]')  # her prompt, counting
    run_scheduled()
    work()
    assert assignments.get(vid).outcome == "meeting_booker"
    visitor_page.wait_for_selector(".lvw-slot")
    visitor_page.locator(".lvw-slot").first.click()
    visitor_page.click(".lvw-confirm-yes")  # a slot is picked, then confirmed
    visitor_page.wait_for_selector(".lvw-done")
    meeting = eventually(lambda: db.session.scalar(select(Meeting).where(
        Meeting.visitor_id == vid)))
    assert meeting is not None and meeting.rep_id == ann.id

    # Ann's board: the prompt she let run out is gone, a notice of the booking arrives.
    page.wait_for_selector(f'[id="offer-{vid}"]', state="detached")
    page.wait_for_selector(".meeting-notice >> text=pat@acme.example")
    assert page.evaluate("window.notReloaded") is True
    page.click(".meeting-notice [data-dismiss]")
    assert page.locator(".meeting-notice").count() == 0
    page.goto(f"{demo}/meetings/")
    assert "pat@acme.example" in page.locator("main").inner_text()
    page.goto(f"{demo}/board/visitors/{vid}")
    page.wait_for_selector(".meeting-booked >> text=with Ann Rep")


def test_a_reply_being_written_survives_the_chat_area_pushed_again(demo, page, visitor_page,
                                                                   rep):
    """The chat area is pushed again when the chat changes hands (status_changed): what
    the rep is writing in it stays, with the focus (the push landing just after a claim
    used to empty the box under the rep's fingers)."""
    from liveapp.models import Conversation
    from liveapp.services.live import chat_panel

    visitor_page.goto(f"{demo}/demo-site/product")
    visitor_page.wait_for_function(LIVE)
    vid = _visitor_id(visitor_page)
    pounce(page, demo, rep, vid)
    page.fill(".chat-form textarea", "Hello! Half a thought")
    page.evaluate("() => { window.areaBefore = document.querySelector('[data-chat]'); }")
    conversation = db.session.scalar(select(Conversation).where(Conversation.visitor_id == vid))
    chat_panel.status_changed(vid, conversation.id)
    page.wait_for_function("() => document.querySelector('[data-chat]') !== window.areaBefore")
    assert page.input_value(".chat-form textarea") == "Hello! Half a thought"
    assert page.evaluate("() => document.activeElement.matches('.chat-form textarea')")
    page.keyboard.type(", finished.")
    htmx_swap(page, "/messages", lambda: page.click(".chat-form button[type=submit]"))
    visitor_page.wait_for_selector(".lvw-rep >> text=Hello! Half a thought, finished.")
    assert page.input_value(".chat-form textarea") == ""  # the sent form comes back empty
