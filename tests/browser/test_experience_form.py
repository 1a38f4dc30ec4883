"""An admin builds a branching flow in the experience form: each button's "goes to" choices
follow the steps as they are added, changed and dragged, and the flow saves where each
button goes."""

import pytest
from sqlalchemy import select

from liveapp.extensions import db
from liveapp.models import Experience
from tests.browser.helpers import drag, htmx_swap, sign_in

pytestmark = pytest.mark.browser


def choices(page, step: int, button: int) -> list[str]:
    return page.eval_on_selector_all(
        f"select[name='steps-{step}-button-{button}-target'] option",
        "options => options.map(o => o.textContent)")


def add_step(page, index: int, kind: str) -> None:
    htmx_swap(page, "step-row", lambda: page.click("text=+ Add step"))
    htmx_swap(page, "step-row",
              lambda: page.select_option(f"select[name='steps-{index}-type']", kind))


def test_admin_sends_buttons_to_later_steps_or_the_end(page, live_server, admin, app_ctx):
    sign_in(page, live_server, admin.email)
    page.goto(f"{live_server}/settings/experiences/new")
    page.fill("input[name=name]", "Pricing help")
    add_step(page, 1, "buttons")
    assert choices(page, 1, 0) == ["Next step", "End the chat flow"]
    add_step(page, 2, "question")
    add_step(page, 3, "route_inbound")
    add_step(page, 4, "meeting_booker")  # never a button's target
    assert choices(page, 1, 0) == ["Next step", "Step 3: Question (email)",
                                   "Step 4: Route for Inbound Chat", "End the chat flow"]
    page.select_option("select[name='steps-2-question']", "company_size")
    assert choices(page, 1, 1)[1] == "Step 3: Question (company size)"

    page.fill("input[name='steps-1-button-0-label']", "Talk to sales")
    page.select_option("select[name='steps-1-button-0-target']",
                       label="Step 4: Route for Inbound Chat")
    page.fill("input[name='steps-1-button-1-label']", "Just browsing")
    page.select_option("select[name='steps-1-button-1-target']", label="End the chat flow")
    htmx_swap(page, "step-row", lambda: page.click("#step-1 >> text=+ Add button"))
    assert page.input_value("input[name='steps-1-button-0-label']") == "Talk to sales"
    assert choices(page, 1, 2)[1:3] == ["Step 3: Question (company size)",
                                        "Step 4: Route for Inbound Chat"]

    # The question moves above the buttons: the choices renumber, the targets stay.
    drag(page, "#step-2", "#step-1")
    page.wait_for_function("() => document.querySelector('#steps').children[1].id === 'step-2'")
    assert choices(page, 1, 0) == ["Next step", "Step 4: Route for Inbound Chat",
                                   "End the chat flow"]
    assert page.eval_on_selector("select[name='steps-1-button-0-target']",
                                 "s => s.selectedOptions[0].textContent") == (
        "Step 4: Route for Inbound Chat")

    page.click("button:has-text('Save')")
    page.wait_for_selector("text=Saved experience Pricing help")
    flow = db.session.scalar(select(Experience.flow))
    assert [s["type"] for s in flow] == ["bot_message", "question", "buttons",
                                         "route_inbound", "meeting_booker"]
    assert flow[2]["buttons"] == [{"label": "Talk to sales", "target": 3},
                                  {"label": "Just browsing", "target": "end"}]
