"""Issue 15, finding 9: streams, routing rules, experiences and a flow's steps reorder from
the keyboard with "Move up"/"Move down" buttons (the focus stays on the moved item's
button), and a "Skip to content" link is the first tab stop."""

import pytest
from sqlalchemy import select

from liveapp.extensions import db
from liveapp.models import Experience
from tests.browser.helpers import htmx_swap, screenshots, sign_in
from tests.factories import ExperienceFactory, RoutingRuleFactory, StreamFactory

pytestmark = pytest.mark.browser

LISTS = {  # page, factory, the list's id, one item's id prefix
    "streams": ("/settings/streams/", StreamFactory, "stream-list", "stream"),
    "routing": ("/settings/routing/", RoutingRuleFactory, "rule-list", "rule"),
    "experiences": ("/settings/experiences/", ExperienceFactory, "experience-list",
                    "experience"),
}


def names(page, list_id: str) -> list[str]:
    return page.locator(f"#{list_id} article h3 a").all_inner_texts()


def focused(page) -> str:
    return page.evaluate("document.activeElement.getAttribute('aria-label')")


@pytest.mark.parametrize("kind", LISTS)
def test_admin_reorders_from_the_keyboard(page, live_server, admin, app_ctx, kind, tmp_path):
    url, factory, list_id, prefix = LISTS[kind]
    made = [factory(name=n) for n in ["Pricing", "Docs", "Careers"]]
    sign_in(page, live_server, admin.email)
    page.goto(live_server + url)
    assert names(page, list_id) == ["Pricing", "Docs", "Careers"]

    page.get_by_role("button", name="Move Careers up").focus()
    htmx_swap(page, "/reorder", lambda: page.keyboard.press("Enter"))
    assert names(page, list_id) == ["Pricing", "Careers", "Docs"]
    assert focused(page) == "Move Careers up"
    assert page.text_content("[data-move-status]") == "Moved Careers to position 2 of 3"
    htmx_swap(page, "/reorder", lambda: page.keyboard.press("Space"))
    assert names(page, list_id) == ["Careers", "Pricing", "Docs"]
    # At the top: the button keeps the focus, says it is unavailable and posts nothing.
    assert focused(page) == "Move Careers up"
    top = page.get_by_role("button", name="Move Careers up")
    assert top.get_attribute("aria-disabled") == "true"
    posted = []
    page.on("request", lambda r: posted.append(r.url) if r.method == "POST" else None)
    page.keyboard.press("Enter")
    page.wait_for_timeout(200)
    assert posted == []

    page.keyboard.press("Tab")  # the next stop is the same item's "down"
    assert focused(page) == "Move Careers down"
    htmx_swap(page, "/reorder", lambda: page.keyboard.press("Enter"))
    assert names(page, list_id) == ["Pricing", "Careers", "Docs"]
    assert page.evaluate("document.activeElement.id") == f"{prefix}-{made[2].id}-move-down"
    page.reload()
    assert names(page, list_id) == ["Pricing", "Careers", "Docs"]
    for width in (1440, 375):  # for a person to look at
        page.set_viewport_size({"width": width, "height": 800})
        page.get_by_role("button", name="Move Careers up").focus()
        page.screenshot(path=str(tmp_path / f"{kind}-move-buttons-{width}.png"))


def test_admin_moves_flow_steps_from_the_keyboard(page, live_server, admin, app_ctx, tmp_path):
    ExperienceFactory(name="Greeting", flow=[
        {"type": "bot_message", "text": "Hi!"},
        {"type": "question", "text": "Your email?", "question": "email"},
        {"type": "bot_message", "text": "Thanks"},
    ])
    sign_in(page, live_server, admin.email)
    page.goto(f"{live_server}/settings/experiences/")
    page.click("text=Greeting")
    page.wait_for_selector('#steps [aria-label="Move step 1 up"]')  # named by settings.js
    moves = page.locator("#steps [data-move]")
    assert moves.evaluate_all("bs => bs.map(b => b.getAttribute('aria-label'))") == [
        "Move step 1 up", "Move step 1 down", "Move step 2 up", "Move step 2 down",
        "Move step 3 up", "Move step 3 down"]
    assert page.get_by_role("button", name="Move step 1 up").get_attribute(
        "aria-disabled") == "true"

    page.get_by_role("button", name="Move step 3 up").focus()
    page.keyboard.press("Enter")  # "Thanks" goes above the question
    assert focused(page) == "Move step 2 up"  # same button, renamed for its new place
    assert page.text_content("[data-move-status]") == "Moved the step to position 2 of 3"
    page.keyboard.press("Enter")
    assert focused(page) == "Move step 1 up"
    assert page.get_by_role("button", name="Move step 1 up").get_attribute(
        "aria-disabled") == "true"
    page.keyboard.press("Enter")  # at the top: nothing moves
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # "Move step 1 down": back below the greeting
    assert focused(page) == "Move step 2 down"
    screenshots(page, tmp_path, "flow-step-move-buttons")
    page.click("button:has-text('Save')")
    page.wait_for_selector("text=Saved experience Greeting")
    flow = db.session.scalar(select(Experience.flow))
    assert [s["text"] for s in flow] == ["Hi!", "Thanks", "Your email?"]


def test_the_first_tab_stop_skips_to_the_content(page, live_server, admin, tmp_path):
    sign_in(page, live_server, admin.email)
    page.goto(f"{live_server}/settings/streams/")
    page.keyboard.press("Tab")
    link = page.get_by_role("link", name="Skip to content")
    assert link.evaluate("a => a === document.activeElement")
    assert link.is_visible()  # shown when focused
    screenshots(page, tmp_path, "skip-link")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.tagName") == "MAIN"
    page.keyboard.press("Tab")  # next: the page's first control, not the navigation
    assert page.evaluate("document.activeElement.textContent") == "New stream"
