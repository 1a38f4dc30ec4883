"""An admin builds a two-condition segment in the form, row by row with htmx."""

import pytest
from sqlalchemy import select

from liveapp.extensions import db
from liveapp.models import Segment

pytestmark = pytest.mark.browser


def test_admin_builds_two_condition_segment(page, live_server, admin, app_ctx):
    page.goto(f"{live_server}/auth/login")
    page.fill("input[name=email]", admin.email)
    page.fill("input[name=password]", "correct-horse-battery")
    page.click("button[type=submit]")
    page.goto(f"{live_server}/settings/segments/new")
    page.fill("input[name=name]", "Engaged known visitors")
    first = page.locator("#condition-0")
    with page.expect_response(lambda r: "condition-row" in r.url):
        first.locator("select[name='conditions-0-field']").select_option("email")
    page.locator("#condition-0 select[name='conditions-0-operator']").select_option("is_set")
    page.wait_for_selector("#condition-0 >> text=(no value)")
    with page.expect_response(lambda r: "condition-row" in r.url):
        page.click("text=+ Add condition")
    second = page.locator("#condition-1")
    with page.expect_response(lambda r: "condition-row" in r.url):
        second.locator("select[name='conditions-1-field']").select_option("page_count")
    page.locator("#condition-1 select[name='conditions-1-operator']").select_option("greater_than")
    page.wait_for_selector("#condition-1 input[type=number]")
    page.fill("#condition-1 input[type=number]", "3")
    page.click("button:has-text('Save')")
    page.wait_for_selector("text=Saved segment Engaged known visitors")
    assert "Email is known and Pages viewed > 3" in page.content().replace("&gt;", ">")
    segment = db.session.scalar(select(Segment))
    assert segment.criteria["conditions"] == [
        {"field": "email", "operator": "is_set", "value": None},
        {"field": "page_count", "operator": "greater_than", "value": 3},
    ]


def test_removing_a_row_drops_its_condition(page, live_server, admin, app_ctx):
    page.goto(f"{live_server}/auth/login")
    page.fill("input[name=email]", admin.email)
    page.fill("input[name=password]", "correct-horse-battery")
    page.click("button[type=submit]")
    page.goto(f"{live_server}/settings/segments/new")
    page.fill("input[name=name]", "Acme people")
    page.fill("#condition-0 input[name='conditions-0-value']", "acme.test")
    with page.expect_response(lambda r: "condition-row" in r.url):
        page.click("text=+ Add condition")
    page.locator("#condition-1 button:has-text('Remove')").click()
    page.wait_for_selector("#condition-1", state="detached")
    page.click("button:has-text('Save')")
    page.wait_for_selector("text=Saved segment Acme people")
    segment = db.session.scalar(select(Segment))
    assert segment.criteria["conditions"] == [
        {"field": "email_domain", "operator": "equals", "value": "acme.test"}]
