"""Typing indicators and read state in chromium, two contexts: the visitor's widget on the
demo site and the rep's board and visitor detail (two tabs of one session). Typing shows
on the other side and clears; the visitor's message is unread on the card and in the tab
title until the rep has the chat open; "Seen" shows in the widget and in the panel."""

from __future__ import annotations

import pytest

from liveapp.extensions import db
from liveapp.models import Conversation
from liveapp.services.chat import conversations
from liveapp.services.routing import assignments
from tests.browser.conftest import leave_no_stream
from tests.browser.helpers import eventually, sign_in
from tests.browser.test_widget import LIVE, _visitor_id, demo, visitor_page

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]
fixtures = (demo, visitor_page)  # the widget tests' demo site and visitor tab
WAIT_MS = 10_000  # upper bound of every wait; nothing here asserts a timing


@pytest.fixture
def rep_context(app, chromium, monkeypatch):
    """The rep's browser, a context of its own beside the visitor's; its streams end with
    the test."""
    monkeypatch.setitem(app.config, "SSE_PING_INTERVAL", 0.2)
    context = chromium.new_context()
    context.set_default_timeout(10_000)
    yield context
    leave_no_stream(app, *context.pages)
    context.close()


def _read_ids(conversation_id: int) -> tuple[int | None, int | None]:
    db.session.expire_all()
    found = db.session.get(Conversation, conversation_id)
    return found.rep_read_id, found.visitor_read_id


def test_typing_unread_and_seen_between_the_widget_and_the_rep(
        demo, visitor_page, rep_context, live_server, rep):
    widget = visitor_page
    widget.goto(f"{demo}/demo-site/pricing")  # in the Pricing stream: on the board
    widget.wait_for_function(LIVE)
    vid = _visitor_id(widget)
    assignments.save(vid, assignments.Assignment(
        rule_name="Everyone", mode="first_available", routed_to=[rep.id], explanation="test"))
    chat = conversations.claim(vid, rep, "pounce")
    hello = conversations.post(chat, "rep", "Hi, I'm Rita. Questions?", rep=rep)
    widget.wait_for_selector(".lvw-rep >> text=Hi, I'm Rita. Questions?")
    assert eventually(lambda: _read_ids(chat.id)[1] == hello.id)  # open and visible: seen

    board = rep_context.new_page()
    sign_in(board, live_server, rep.email)
    board.wait_for_selector("[data-sse-open]", state="attached")
    card = f'[id="visitor-{vid}"]'
    board.wait_for_selector(card)
    assert board.locator(f"{card} .vc-unread").count() == 0
    assert board.title() == "Board · liveapp"

    # The visitor writes: unread on the card and in the tab title, live.
    widget.fill(".lvw-send textarea", "Do you integrate with Salesforce?")
    widget.click(".lvw-send button")
    board.wait_for_selector(f"{card} .vc-unread >> text=1 unread", timeout=WAIT_MS)
    board.wait_for_function("() => document.title === '(1) Board · liveapp'", timeout=WAIT_MS)

    # The rep opens the chat in another tab: read, so the board's count goes, live, and
    # the widget says "Seen" under the visitor's message.
    detail = rep_context.new_page()
    detail.goto(f"{live_server}/board/visitors/{vid}")
    detail.wait_for_selector("[data-sse-open]", state="attached")
    detail.wait_for_selector(".message-visitor >> text=Do you integrate with Salesforce?")
    assert detail.locator(f"#chat-seen-{chat.id}").inner_text() == "Seen"  # hello was seen
    board.wait_for_selector(f"{card} .vc-unread", state="detached", timeout=WAIT_MS)
    board.wait_for_function("() => document.title === 'Board · liveapp'", timeout=WAIT_MS)
    widget.wait_for_selector(".lvw-visitor + .lvw-seen >> text=Seen", timeout=WAIT_MS)

    # Typing, visitor to rep: shown, then gone (their "stopped" after idling, or the
    # indicator's own expiry).
    typing_here = f"#chat-typing-{chat.id}"
    widget.click(".lvw-send textarea")
    widget.keyboard.type("And Hub", delay=30)
    detail.wait_for_selector(f"{typing_here} >> text=Visitor is typing…", timeout=WAIT_MS)
    detail.wait_for_function(
        f"() => document.querySelector('{typing_here}').textContent === ''", timeout=WAIT_MS)

    # Rep to visitor: "Rita Rep is typing…", then gone when the rep sends; the visitor
    # sees the message and the rep's panel says "Seen" again.
    detail.click(".chat-form textarea")
    detail.keyboard.type("Yes, natively", delay=30)
    widget.wait_for_selector(".lvw-typing >> text=Rita Rep is typing…", timeout=WAIT_MS)
    detail.keyboard.press("Enter")
    widget.wait_for_selector(".lvw-rep >> text=Yes, natively", timeout=WAIT_MS)
    widget.wait_for_function(
        "() => document.querySelector('.lvw-typing').textContent === ''", timeout=WAIT_MS)
    assert widget.locator(".lvw-seen").count() == 0  # answered: nothing to say under it
    detail.wait_for_function(
        f"() => document.querySelector('#chat-seen-{chat.id}').textContent === 'Seen'"
        " && document.querySelectorAll('.message-rep').length === 2", timeout=WAIT_MS)
    rep_read, visitor_read = _read_ids(chat.id)
    assert rep_read is not None and visitor_read is not None and visitor_read > hello.id
    detail.close()
