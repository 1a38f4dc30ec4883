"""An admin creates a routing rule through the form: it lands above the catch-all.
Dragging it below the catch-all is allowed, and the list warns that it never matches;
the order and the warning survive a reload."""

import pytest

from tests.browser.helpers import drag, htmx_swap, sign_in
from tests.factories import GroupFactory, RoutingRuleFactory

pytestmark = pytest.mark.browser

NEVER = "Never matches: 'Everyone else' above it matches every visitor."


def names(page):
    return page.locator("#rule-list article h3 a").all_inner_texts()


def warnings(page):
    return page.locator("#rule-list article .never-matches").all_inner_texts()


def test_admin_creates_a_rule_above_the_catch_all_and_drags_it_below(page, live_server, admin,
                                                                     app_ctx):
    group = GroupFactory(name="Enterprise")
    RoutingRuleFactory(name="Everyone else", position=0)
    sign_in(page, live_server, admin.email)

    page.goto(f"{live_server}/settings/routing/new")
    page.fill("input[name=name]", "Target accounts")
    htmx_swap(page, "/settings/segments/condition-row",
              lambda: page.click("button.add-condition"))
    htmx_swap(page, "/settings/segments/condition-row",
              lambda: page.select_option("select[name=conditions-0-field]",
                                         "is_target_account"))
    page.wait_for_selector("select[name=conditions-0-value]")
    page.check("input[name=salesforce_owner]")
    page.check(f"input[name=route_to_groups][value='{group.id}']")
    page.check("input[name=distribution][value=round_robin]")
    page.fill("input[name=offer_timeout_seconds]", "45")
    page.click("#rule-form button[type=submit]")
    page.wait_for_url(f"{live_server}/settings/routing/")
    assert names(page) == ["Target accounts", "Everyone else"]
    assert warnings(page) == []
    assert "Salesforce owner → group Enterprise; Round robin, 45 s" in page.inner_text(
        "#rule-list")
    assert "Target account is yes" in page.inner_text("#rule-list")

    new_id = page.locator("#rule-list article").nth(0).get_attribute("data-id")
    catch_all_id = page.locator("#rule-list article").nth(1).get_attribute("data-id")
    with page.expect_response(lambda r: r.url.endswith("/settings/routing/reorder")) as answer:
        drag(page, f"#rule-{catch_all_id}", f"#rule-{new_id}")
    assert answer.value.status == 200
    page.wait_for_selector(f"#rule-{new_id} .never-matches")
    assert names(page) == ["Everyone else", "Target accounts"]
    assert [w.startswith(NEVER) for w in warnings(page)] == [True]
    page.reload()
    assert names(page) == ["Everyone else", "Target accounts"]
    assert page.locator(f"#rule-{new_id} .never-matches").inner_text().startswith(NEVER)
    page.click(f"#rule-{new_id} h3 a")
    assert NEVER in page.inner_text("main")
