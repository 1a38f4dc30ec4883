"""An admin maps a rep to Salesforce: a mistyped id is refused on the form, a 15-character
one is saved in its 18-character form and shown so on Users and Integrations."""

import pytest

from tests.browser.helpers import sign_in

pytestmark = pytest.mark.browser


def test_admin_sets_a_reps_salesforce_id(page, live_server, admin, rep, app_ctx):
    sign_in(page, live_server, admin.email)
    page.goto(f"{live_server}/settings/users/{rep.id}")
    page.fill("input[name=salesforce_user_id]", "0055g00000DEMO02")
    page.click("form.form button[type=submit]")
    error = page.locator("#salesforce_user_id ~ .error")
    assert error.inner_text() == "A Salesforce id is 15 or 18 characters; this one has 16."

    page.fill("input[name=salesforce_user_id]", "0055g00000Lm7Qa")
    page.click("form.form button[type=submit]")
    page.wait_for_url(f"{live_server}/settings/users/")
    assert "0055g00000Lm7QaAAJ" in page.inner_text("main")
    page.goto(f"{live_server}/settings/integrations/")
    row = page.locator("tr", has_text=rep.email)
    assert "0055g00000Lm7QaAAJ" in row.inner_text()
