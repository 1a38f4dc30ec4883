"""An admin drags a stream to a new position; the order persists after a reload."""

import pytest

from tests.browser.helpers import drag, sign_in
from tests.factories import ExperienceFactory, StreamFactory

pytestmark = pytest.mark.browser




def names(page):
    return page.locator("#stream-list article h3").all_inner_texts()


def test_admin_reorders_streams_by_drag_and_drop(page, live_server, admin, app_ctx):
    streams = [StreamFactory(name=n, position=i, experiences=[ExperienceFactory()])
               for i, n in enumerate(["High Intent", "Target Accounts", "Known Customers"])]
    sign_in(page, live_server, admin.email)
    page.goto(f"{live_server}/settings/streams/")
    assert names(page) == ["High Intent", "Target Accounts", "Known Customers"]
    with page.expect_response(lambda r: r.url.endswith("/settings/streams/reorder")) as answer:
        drag(page, f"#stream-{streams[2].id}", f"#stream-{streams[0].id}")
    assert answer.value.status == 200
    page.wait_for_timeout(100)
    assert names(page) == ["Known Customers", "High Intent", "Target Accounts"]
    page.reload()
    assert names(page) == ["Known Customers", "High Intent", "Target Accounts"]
