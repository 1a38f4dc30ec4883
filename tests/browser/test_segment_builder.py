"""An admin builds a two-condition segment in the form, row by row with htmx."""

import pytest
from sqlalchemy import select

from liveapp.extensions import db
from liveapp.models import Segment
from tests.browser.helpers import htmx_swap, sign_in

pytestmark = pytest.mark.browser



def htmx_change(page, action):
    htmx_swap(page, "condition-row", action)


def test_admin_builds_two_condition_segment(page, live_server, admin, app_ctx):
    sign_in(page, live_server, admin.email)
    page.goto(f"{live_server}/settings/segments/new")
    page.fill("input[name=name]", "Engaged known visitors")
    htmx_change(page, lambda: page.select_option("select[name='conditions-0-field']", "email"))
    htmx_change(page, lambda: page.select_option("select[name='conditions-0-operator']",
                                                 "is_set"))
    page.wait_for_selector("#condition-0 >> text=(no value)")
    htmx_change(page, lambda: page.click("text=+ Add condition"))
    htmx_change(page, lambda: page.select_option("select[name='conditions-1-field']",
                                                 "page_count"))
    htmx_change(page, lambda: page.select_option("select[name='conditions-1-operator']",
                                                 "greater_than"))
    page.wait_for_selector("#condition-1 input[type=number]")
    page.fill("#condition-1 input[type=number]", "3")
    page.locator("#condition-1 input[type=number]").dispatch_event("change")
    page.wait_for_selector("#segment-preview:has-text('0 visitors match right now')")
    page.click("button:has-text('Save')")
    page.wait_for_selector("text=Saved segment Engaged known visitors")
    assert "Email is known and Pages viewed > 3" in page.content().replace("&gt;", ">")
    segment = db.session.scalar(select(Segment))
    assert segment.criteria["conditions"] == [
        {"field": "email", "operator": "is_set", "value": None},
        {"field": "page_count", "operator": "greater_than", "value": 3},
    ]


def test_removing_a_row_drops_its_condition(page, live_server, admin, app_ctx):
    sign_in(page, live_server, admin.email)
    page.goto(f"{live_server}/settings/segments/new")
    page.fill("input[name=name]", "Acme people")
    page.fill("#condition-0 input[name='conditions-0-value']", "acme.test")
    htmx_change(page, lambda: page.click("text=+ Add condition"))
    page.locator("#condition-1 button:has-text('Remove')").click()
    page.wait_for_selector("#condition-1", state="detached")
    page.click("button:has-text('Save')")
    page.wait_for_selector("text=Saved segment Acme people")
    segment = db.session.scalar(select(Segment))
    assert segment.criteria["conditions"] == [
        {"field": "email_domain", "operator": "equals", "value": "acme.test"}]
