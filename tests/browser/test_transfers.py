"""A chat handed over end to end: Ann, chatting with a visitor (on a demo-site page, in
the widget), transfers the chat to Bob with a note; Bob's board alerts with the prompt,
he accepts and lands in the chat with its transcript; the visitor sees the hand-over in
the widget and Ann's chat panel closes. Three browser contexts."""

from __future__ import annotations

import pytest

from liveapp.services.routing import assignments
from tests.browser.helpers import htmx_swap
from tests.browser.test_conversations_e2e import _visitor_id, demo, visitor_page  # noqa: F401
from tests.routing_jobs.conftest import make_rep  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]
LIVE = "() => window.liveapp && window.liveapp.chat && window.liveapp.chat.live === true"


def test_ann_hands_the_chat_to_bob(demo, visitor_page, boards, make_rep):  # noqa: F811
    ann = make_rep(name="Ann Rep", email="ann@example.com")
    bob = make_rep(name="Bob Rep", email="bob@example.com")
    visitor_page.goto(f"{demo}/demo-site/product")
    visitor_page.wait_for_function(LIVE)
    vid = _visitor_id(visitor_page)
    assignments.save(vid, assignments.Assignment(
        rule_name="Everyone", mode="first_available", routed_to=[ann.id], explanation="test"))
    ann_page, bob_page = boards(ann, bob)

    # Ann starts the chat on the visitor detail and writes.
    with ann_page.expect_response(lambda r: r.url.endswith("/viewing")):
        ann_page.goto(f"{demo}/board/visitors/{vid}")
    ann_page.wait_for_selector("[data-sse-open]", state="attached")
    htmx_swap(ann_page, "/conversations/claim/", lambda: ann_page.click("text=Start conversation"))
    ann_page.fill(".chat-form textarea", "Hi, Ann here.")
    htmx_swap(ann_page, "/messages", lambda: ann_page.click(".chat-form button[type=submit]"))
    visitor_page.wait_for_selector(".lvw-rep >> text=Hi, Ann here.")
    assert visitor_page.text_content(".lvw-title") == "Ann Rep"

    # She hands it to Bob with a note.
    htmx_swap(ann_page, "/transfers/", lambda: ann_page.click("text=Transfer…"))
    ann_page.select_option(".transfer-form select", f"rep:{bob.id}")
    ann_page.fill(".transfer-form textarea", "Asks about <b>SSO</b> pricing")
    htmx_swap(ann_page, "/transfers/", lambda: ann_page.click(".transfer-form button"))
    ann_page.wait_for_selector(".chat-transfer-pending >> text=Waiting for")

    # Bob's board alerts (as for an inbound chat) and shows the note as text.
    prompt = bob_page.wait_for_selector(".transfer-prompt")
    assert "Asks about <b>SSO</b> pricing" in prompt.inner_text()
    bob_page.wait_for_function("() => window.__notes.length > 0")
    assert "Ann Rep hands you a chat" in bob_page.evaluate("window.__notes[0]")
    with bob_page.expect_navigation(url=f"**/board/visitors/{vid}"):
        bob_page.click(".transfer-prompt [data-accept]")

    # Bob is in the chat, with its transcript; the form is his.
    bob_page.wait_for_selector(".chat-form textarea")
    messages = bob_page.locator(".chat-messages").inner_text()
    assert "Hi, Ann here." in messages and "Ann Rep handed you to Bob Rep" in messages
    # The visitor sees the hand-over; Ann's panel closes, live.
    visitor_page.wait_for_selector(".lvw-system >> text=Ann Rep handed you to Bob Rep")
    visitor_page.wait_for_function(
        "() => document.querySelector('.lvw-title').textContent === 'Bob Rep'")
    ann_page.wait_for_selector(".chat-busy >> text=Bob Rep is already chatting")
    assert ann_page.locator(".chat-form").count() == 0
    ann_page.wait_for_selector(".transfer-notice >> text=Bob Rep accepted the chat.")
    # Bob answers; the visitor gets it.
    bob_page.fill(".chat-form textarea", "Bob here: SSO is in every plan.")
    htmx_swap(bob_page, "/messages", lambda: bob_page.click(".chat-form button[type=submit]"))
    visitor_page.wait_for_selector(".lvw-rep >> text=Bob here: SSO is in every plan.")
