"""The transcript by email, in two browsers: a visitor gives their email in the widget's
flow and chats with a rep; the rep closes the chat from their panel; the job sends the
transcript through a local debugging SMTP server (aiosmtpd) to the visitor's address."""

from __future__ import annotations

import pytest

from liveapp.extensions import db, queue, redis
from liveapp.models import Visitor
from tests.browser.helpers import eventually, htmx_swap
from tests.browser.test_conversations_e2e import (  # noqa: F401  (fixtures)
    asks_for_a_rep,
    demo,
    pounce,
    visitor_page,
)
from tests.conversations.test_transcript_email import inbox  # noqa: F401  (a fixture)
from tests.ops.conftest import jobs_in_test_app  # noqa: F401  (a fixture)
from tests.rq_workers import SimpleWorker

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


def test_closing_the_chat_emails_the_transcript_to_the_visitor(
        demo, page, visitor_page, rep, inbox, jobs_in_test_app):  # noqa: F811
    vid = asks_for_a_rep(visitor_page, demo)  # their email given in the flow
    assert eventually(lambda: (v := db.session.get(Visitor, vid)) and v.email)
    pounce(page, demo, rep, vid)
    page.fill(".chat-form textarea", "Hi Pat, Rita here. Annual plans save 20%.")
    htmx_swap(page, "/messages", lambda: page.click(".chat-form button[type=submit]"))
    visitor_page.wait_for_selector(".lvw-rep >> text=Rita here")
    visitor_page.fill(".lvw-send textarea", "Great, and is <b>SSO</b> included?")
    visitor_page.click(".lvw-send button")
    page.wait_for_selector(".message-visitor")
    page.once("dialog", lambda dialog: dialog.accept())
    htmx_swap(page, "/close", lambda: page.click(".chat-close button"))
    visitor_page.wait_for_selector(".lvw-note >> text=Rita Rep closed the chat")

    SimpleWorker([queue("low")], connection=redis.client, serializer="json").work(
        burst=True, max_jobs=10)  # the email's job (and the visitor's enrichment)
    [sent] = inbox.messages
    assert sent["To"] == "pat@acme.example"
    text = sent.get_body(("plain",)).get_content()
    assert "Rita Rep: Hi Pat, Rita here. Annual plans save 20%." in text
    assert "You: Great, and is <b>SSO</b> included?" in text
    assert "<b>SSO</b>" not in sent.get_body(("html",)).get_content()
