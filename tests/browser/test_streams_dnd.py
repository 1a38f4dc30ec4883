"""An admin drags a stream to a new position; the order persists after a reload."""

import pytest

from tests.factories import ExperienceFactory, StreamFactory

pytestmark = pytest.mark.browser


def drag(page, source, target):
    """Drag source's handle above target with real mouse moves (SortableJS fallback mode)."""
    handle = page.locator(f"{source} .handle").bounding_box()
    goal = page.locator(target).bounding_box()
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    steps = 12
    for i in range(1, steps + 1):
        y = handle["y"] + (goal["y"] + 4 - handle["y"]) * i / steps
        page.mouse.move(handle["x"] + 5, y)
        page.wait_for_timeout(20)
    page.mouse.up()


def names(page):
    return page.locator("#stream-list article h3").all_inner_texts()


def test_admin_reorders_streams_by_drag_and_drop(page, live_server, admin, app_ctx):
    streams = [StreamFactory(name=n, position=i, experiences=[ExperienceFactory()])
               for i, n in enumerate(["High Intent", "Target Accounts", "Known Customers"])]
    page.goto(f"{live_server}/auth/login")
    page.fill("input[name=email]", admin.email)
    page.fill("input[name=password]", "correct-horse-battery")
    page.click("button[type=submit]")
    page.goto(f"{live_server}/settings/streams/")
    assert names(page) == ["High Intent", "Target Accounts", "Known Customers"]
    with page.expect_response(lambda r: r.url.endswith("/settings/streams/reorder")) as answer:
        drag(page, f"#stream-{streams[2].id}", f"#stream-{streams[0].id}")
    assert answer.value.status == 200
    page.wait_for_timeout(100)
    assert names(page) == ["Known Customers", "High Intent", "Target Accounts"]
    page.reload()
    assert names(page) == ["Known Customers", "High Intent", "Target Accounts"]
