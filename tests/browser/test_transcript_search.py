"""Transcript search in two browsers: a visitor chats with a rep in the widget; the rep
closes the chat, searches the Conversations page for a word the visitor wrote, sees it
highlighted (the visitor's markup as text) and opens the transcript."""

from __future__ import annotations

import pytest

from tests.browser.helpers import htmx_swap
from tests.browser.test_conversations_e2e import (  # noqa: F401 (fixtures)
    LIVE,
    _visitor_id,
    demo,
    pounce,
    visitor_page,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


def test_the_rep_finds_the_chat_by_a_word_the_visitor_wrote(demo, page, visitor_page, rep):  # noqa: F811
    visitor_page.goto(f"{demo}/demo-site/product")
    visitor_page.wait_for_function(LIVE)
    vid = _visitor_id(visitor_page)
    pounce(page, demo, rep, vid)
    page.fill(".chat-form textarea", "Hello! What brings you here?")
    htmx_swap(page, "/messages", lambda: page.click(".chat-form button[type=submit]"))
    visitor_page.wait_for_selector(".lvw-rep >> text=Hello! What brings you here?")
    visitor_page.fill(".lvw-send textarea", "Does it work with <b>Kubernetes</b> clusters?")
    visitor_page.click(".lvw-send button")
    page.wait_for_selector(".message-visitor")
    page.once("dialog", lambda dialog: dialog.accept())
    htmx_swap(page, "/close", lambda: page.click(".chat-close button"))

    page.goto(f"{demo}/conversations/")
    page.fill("input[name=q]", "kubernetes")
    page.click(".transcript-search button[type=submit]")
    page.wait_for_selector(".transcript-results mark")
    assert "q=kubernetes" in page.url
    assert page.locator(".transcript-results mark").inner_text() == "Kubernetes"
    assert page.locator(".transcript-results b").count() == 0  # the visitor's markup: text
    page.click(".transcript-results td a")
    page.wait_for_selector(".message-visitor")
    assert "Does it work with <b>Kubernetes</b> clusters?" in page.locator("main").inner_text()
