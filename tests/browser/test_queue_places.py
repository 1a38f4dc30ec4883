"""The waiting queue in the widget, in chromium: two visitors ask for a rep while the only
rep is away; each sees their place in line, and when the first books a meeting instead the
second moves up live; the rep then comes back (from their own signed-in page) and the
second is offered to them."""

from __future__ import annotations

import pytest

from liveapp.extensions import db
from liveapp.services.routing import waiting_queue
from tests.browser.helpers import sign_in
from tests.browser.test_conversations_e2e import (  # noqa: F401  (fixtures)
    asks_for_a_rep,
    demo,
    job_app,
    make_rule,
    visitor_page,
)
from tests.routing_jobs.conftest import work

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

PLACE = ".lvw-place"


def test_waiting_visitors_see_their_place_and_one_books_instead(
        demo, job_app, make_rule, rep, chromium, visitor_page, page):  # noqa: F811
    rep.availability = "away"
    db.session.commit()
    make_rule([rep], when_nobody="queue")
    first = visitor_page
    second = chromium.new_context().new_page()
    first_id = asks_for_a_rep(first, demo)
    second_id = asks_for_a_rep(second, demo)
    work()  # the routing jobs: nobody free, both wait in the queue
    assert waiting_queue.waiting() == [first_id, second_id]
    first.wait_for_selector(f"{PLACE} >> text=You're next in line.")
    second.wait_for_selector(f"{PLACE} >> text=You're 2nd in line.")

    # The first would rather book a meeting: the booker opens, the second moves up, live.
    first.click("button >> text=Book a meeting instead")
    first.wait_for_selector(".lvw-booker")
    assert first.locator(PLACE).count() == 0
    second.wait_for_selector(f"{PLACE} >> text=You're next in line.")
    assert waiting_queue.waiting() == [second_id]

    # The rep comes back from their header: the second visitor is offered to them.
    sign_in(page, demo, rep.email)
    with page.expect_response(lambda r: "/auth/availability" in r.url and r.status == 200):
        page.select_option("#availability select", "available")
    work()
    assert waiting_queue.waiting() == []
    second.wait_for_selector(".lvw-note >> text=A rep will be with you in a moment…")
    assert second.locator(PLACE).count() == 0
    second.context.close()
