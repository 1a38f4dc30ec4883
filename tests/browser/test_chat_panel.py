"""The rep's chat panel in a real browser: start a conversation from the visitor detail,
send, get the visitor's reply (through the public widget API) without reload, close; a
second rep viewing the same visitor sees who is chatting, live, and cannot start."""

from __future__ import annotations

import time

import httpx
import pytest

from liveapp.domain.visitor_presence import LEFT_AFTER
from liveapp.extensions import db
from liveapp.models import Message
from liveapp.services.chat import conversations
from liveapp.services.routing import assignments
from tests.browser.helpers import htmx_swap, sign_in
from tests.tracking import conftest as tracking_fixtures
from tests.tracking.conftest import ORIGIN
from tests.visitor_ids import VisitorId

site = tracking_fixtures.site

pytestmark = pytest.mark.browser
WAIT_MS = 5_000  # upper bound of every wait; nothing here asserts a timing


@pytest.fixture
def second_page(chromium):
    context = chromium.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture(autouse=True)
def streams_end_with_the_test(app, page, second_page, monkeypatch):
    """Each test leaves no open stream behind (other tests count the shared listeners)."""
    from liveapp.infra.fanout import hub_for

    monkeypatch.setitem(app.config, "SSE_PING_INTERVAL", 0.2)
    yield
    for each in (page, second_page):
        each.goto("about:blank")
    deadline = time.monotonic() + 5
    while hub_for(app).listener_count() and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.fixture
def visitor(live_server, site, rep, make_user):
    """A visitor on the site (its token from the real events API), routed to Rita and Otto."""
    otto = make_user(name="Otto Other", email="otto@example.com")
    vid = VisitorId()
    body = {"site_key": site.site_key, "visitor_id": vid.cookie, "type": "page_view",
            "url": f"{ORIGIN}/pricing", "title": "Pricing"}
    answer = httpx.post(f"{live_server}/t/v1/events", json=body, headers={"Origin": ORIGIN},
                        timeout=5)
    assert answer.status_code == 202, answer.text
    assignments.save(vid, assignments.Assignment(
        rule_name="Everyone", mode="first_available", routed_to=[rep.id, otto.id],
        explanation="test"))
    return {"id": vid, "token": answer.json()["token"], "otto": otto}


def open_detail(page, live_server, vid: str) -> None:
    """The visitor's detail, its stream open and its "viewing" marker set."""
    with page.expect_response(lambda r: r.url.endswith("/viewing")):
        page.goto(f"{live_server}/board/visitors/{vid}")
    page.wait_for_selector("[data-sse-open]", state="attached")
    page.evaluate("window.notReloaded = true")


def test_a_rep_chats_with_a_visitor_live_and_another_rep_cannot_start(
        page, second_page, live_server, app_ctx, rep, visitor):
    vid, otto = visitor["id"], visitor["otto"]
    sign_in(second_page, live_server, otto.email)
    open_detail(second_page, live_server, vid)
    sign_in(page, live_server, rep.email)
    open_detail(page, live_server, vid)

    htmx_swap(page, "/conversations/claim/", lambda: page.click("text=Start conversation"))
    page.wait_for_selector(".chat-form textarea")
    conversation = conversations.open_conversation(vid)
    assert conversation.rep_id == rep.id

    page.fill(".chat-form textarea", "Hi! <b>Need</b> help with pricing?")
    htmx_swap(page, "/messages", lambda: page.click(".chat-form button[type=submit]"))
    mine = page.locator(".message-rep .body")
    assert mine.inner_text() == "Hi! <b>Need</b> help with pricing?"  # shown as text
    assert page.locator(".chat-form textarea").input_value() == ""
    db.session.expire_all()
    assert [m.body for m in db.session.query(Message).filter_by(
        conversation_id=conversation.id)] == ["Hi! <b>Need</b> help with pricing?"]

    # The other rep's page said "Start conversation"; now it says who is chatting.
    second_page.wait_for_selector("#chat-start .chat-busy", timeout=WAIT_MS)
    assert second_page.locator("#chat-start").inner_text().strip() == (
        "Rita Rep is already chatting with this visitor.")
    assert second_page.locator("text=Start conversation").count() == 0
    assert second_page.locator(".chat-messages").count() == 0

    reply = httpx.post(f"{live_server}/t/v1/chat/messages", timeout=5,
                       headers={"Origin": ORIGIN},
                       json={"token": visitor["token"], "body": "Yes, for 40 seats <3"})
    assert reply.status_code == 201, reply.text
    page.wait_for_selector(".message-visitor", timeout=WAIT_MS)
    assert page.locator(".message-visitor .body").inner_text() == "Yes, for 40 seats <3"
    assert page.locator(".chat-messages li.message").count() == 2  # no duplicate of mine
    assert page.locator(".chat-messages li.message").last.inner_text().startswith("Visitor")
    assert page.evaluate("window.notReloaded") is True
    assert second_page.evaluate("window.notReloaded") is True

    page.once("dialog", lambda dialog: dialog.accept())
    htmx_swap(page, "/close", lambda: page.click("text=Close conversation"))
    assert page.locator(".chat-status").text_content() == "closed"
    assert page.locator("text=Start conversation").count() == 1
    second_page.wait_for_selector("text=Start conversation", timeout=WAIT_MS)
    db.session.expire_all()
    assert conversations.open_conversation(vid) is None


def test_a_chat_whose_visitor_left_closes_live_with_a_note(
        page, live_server, app_ctx, rep, visitor):
    vid = visitor["id"]
    sign_in(page, live_server, rep.email)
    open_detail(page, live_server, vid)
    htmx_swap(page, "/conversations/claim/", lambda: page.click("text=Start conversation"))
    page.wait_for_selector(".chat-form textarea")
    chat = conversations.open_conversation(vid)

    # Five minutes and a bit after the visitor's last heartbeat counted them as left:
    later = time.time() + LEFT_AFTER + 310
    assert conversations.close_abandoned(later, close_after=300) == [chat.id]
    page.wait_for_selector(".message-system", timeout=WAIT_MS)
    assert page.locator(".message-system").inner_text().startswith(
        "Note Closed: the visitor left the site 5 minutes ago")
    assert page.locator(".chat-status").text_content() == "closed"
    assert page.locator(".chat-form textarea").count() == 0
    assert page.evaluate("window.notReloaded") is True
