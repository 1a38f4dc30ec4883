"""The last chatted rep, in chromium: a visitor Ann chatted with last week comes back and
asks for a rep in the widget; the rule routes returning visitors to their last rep first,
so Ann's board (her own signed-in browser) gets the accept prompt, not Bob's, and the
visitor's card says why."""

from __future__ import annotations

from datetime import timedelta

import pytest

from liveapp.extensions import db, redis
from liveapp.models import Conversation
from liveapp.models.user import utcnow
from liveapp.services.chat import conversations
from liveapp.services.routing import assignments, router
from tests.browser.helpers import eventually, sign_in
from tests.browser.test_conversations_e2e import (  # noqa: F401  (fixtures)
    LIVE,
    _visitor_id,
    asks_for_a_rep,
    demo,
    job_app,
    make_rep,
    make_rule,
    visitor_page,
)
from tests.routing_jobs.conftest import work

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


def test_a_returning_visitor_goes_to_the_rep_they_chatted_with_last(
        job_app, demo, page, visitor_page, make_rep, make_rule):  # noqa: F811
    ann = make_rep(name="Ann Rep", email="ann@example.com")
    bob = make_rep(name="Bob Rep", email="bob@example.com")
    make_rule([bob], name="Pricing visitors", last_chatted_days=30)

    # Last week Ann chatted with this visitor (their first visit).
    visitor_page.goto(f"{demo}/demo-site/product")
    visitor_page.wait_for_function(LIVE)
    vid = _visitor_id(visitor_page)
    earlier = conversations.claim(vid, ann, "pounce")
    conversations.close(earlier)
    db.session.get(Conversation, earlier.id).started_at = utcnow() - timedelta(days=7)
    db.session.commit()
    visitor_page.wait_for_selector(".lvw-note >> text=Ann Rep closed the chat")
    visitor_page.click(".lvw-close")  # and they closed the widget

    sign_in(page, demo, ann.email)  # Ann's board is open
    page.wait_for_selector("[data-sse-open]", state="attached")
    assert asks_for_a_rep(visitor_page, demo) == vid  # back, and asking for a rep
    assert eventually(lambda: redis.client.exists(router.lock_key(vid)))  # job queued
    work()
    page.wait_for_selector(f'[id="offer-{vid}"] time[data-until]')  # Ann's prompt
    assignment = assignments.get(vid)
    assert assignment.offered_to == [ann.id]
    assert f"last chatted rep {ann.name} is available" in assignment.explanation
    page.goto(f"{demo}/board/cards/{vid}")
    assert "the rep they last chatted with" in page.locator("body").inner_text()
