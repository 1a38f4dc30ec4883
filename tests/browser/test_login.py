"""A person signs in through the form: the admin sees Settings, a rep does not."""

import pytest

from tests.browser.helpers import sign_in

pytestmark = pytest.mark.browser




def test_admin_signs_in_and_sees_settings(page, live_server, admin):
    sign_in(page, live_server, admin.email)
    page.wait_for_selector("text=No visitors on your site right now")
    nav = page.locator("[data-nav=settings]")
    assert nav.is_visible()
    nav.get_by_role("link", name="Users").click()
    page.wait_for_selector("h1:has-text('Users')")
    assert page.url.endswith("/settings/users/")


def test_rep_signs_in_and_sees_no_settings(page, live_server, rep):
    sign_in(page, live_server, rep.email)
    page.wait_for_selector("text=No visitors on your site right now")
    assert page.locator("[data-nav=settings]").count() == 0
    assert page.get_by_role("link", name="Board").is_visible()


def test_wrong_password_shows_error(page, live_server, rep):
    sign_in(page, live_server, rep.email, "wrong-password!")
    page.wait_for_selector("text=Wrong email or password")
    assert "/auth/login" in page.url


def test_rep_changes_availability_from_header(page, live_server, rep, app_ctx):
    from liveapp.extensions import db
    from liveapp.models import User

    sign_in(page, live_server, rep.email)
    page.wait_for_selector("text=No visitors on your site right now")
    page.wait_for_load_state("load")  # htmx binds its triggers once its script has run
    with page.expect_response(lambda r: "/auth/availability" in r.url and r.status == 200):
        page.select_option("#availability select", "away")
    db.session.expire_all()
    assert db.session.get(User, rep.id).availability == "away"
    page.reload()
    assert page.locator("#availability select").input_value() == "away"
