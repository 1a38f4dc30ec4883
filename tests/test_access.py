"""Settings are admin-only: 403 for reps, login for anonymous users."""

import pytest

SETTINGS_PAGES = [
    "/settings/users/",
    "/settings/users/new",
    "/settings/groups/",
    "/settings/groups/new",
]


@pytest.mark.parametrize("path", SETTINGS_PAGES)
def test_rep_gets_403(as_rep, path):
    response = as_rep.get(path)
    assert response.status_code == 403
    assert b"You do not have access" in response.data


@pytest.mark.parametrize("path", SETTINGS_PAGES)
def test_anonymous_goes_to_login(browser, path):
    response = browser.get(path)
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("path", SETTINGS_PAGES)
def test_admin_sees_settings(as_admin, path):
    assert as_admin.get(path).status_code == 200


def test_rep_cannot_post_settings(as_rep, make_user):
    other = make_user()
    assert as_rep.post(f"/settings/users/{other.id}/deactivate").status_code == 403
    assert as_rep.post("/settings/groups/new", {"name": "Sneaky"}).status_code == 403


def test_rep_nav_has_no_settings(as_rep):
    assert b'data-nav="settings"' not in as_rep.get("/").data


def test_admin_nav_has_settings(as_admin):
    page = as_admin.get("/").data
    assert b'data-nav="settings"' in page
    assert b"/settings/users/" in page


def test_unknown_page_is_404(as_rep):
    response = as_rep.get("/no/such/page")
    assert response.status_code == 404
    assert b"Nothing here" in response.data
