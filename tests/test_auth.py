"""Sign in, sign out, CSRF, the login rate limits, sessions that end, and availability."""

import statistics
import time

import pytest

from liveapp.extensions import db
from liveapp.models import User


def test_login_page_renders(browser):
    page = browser.get("/auth/login")
    assert page.status_code == 200
    assert b"Sign in" in page.data


def test_anonymous_board_redirects_to_login(browser):
    response = browser.get("/")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_login_and_logout(browser, rep):
    response = browser.login(rep.email)
    assert response.status_code == 303
    board = browser.get("/")
    assert board.status_code == 200
    assert b"No visitors on your site right now" in board.data
    assert b"Rita Rep" in board.data
    out = browser.post("/auth/logout")
    assert out.status_code == 303
    assert browser.get("/").status_code == 302


def test_login_email_is_case_insensitive(browser, rep):
    assert browser.login("REP@Example.com").status_code == 303


def test_wrong_password_is_refused(browser, rep):
    response = browser.login(rep.email, "not-the-password")
    assert response.status_code == 401
    assert b"Wrong email or password" in response.data
    assert browser.get("/").status_code == 302


def test_unknown_email_gets_the_same_answer(browser):
    response = browser.login("nobody@example.com")
    assert response.status_code == 401
    assert b"Wrong email or password" in response.data


def test_deactivated_user_cannot_log_in(browser, make_user):
    user = make_user(email="gone@example.com", active=False)
    assert browser.login(user.email).status_code == 401


def test_login_without_csrf_token_is_rejected(browser, rep):
    response = browser.client.post(
        "/auth/login", data={"email": rep.email, "password": "correct-horse-battery"}
    )
    assert response.status_code == 400
    assert browser.get("/").status_code == 302


def test_login_with_forged_csrf_token_is_rejected(browser, rep):
    response = browser.client.post(
        "/auth/login",
        data={"email": rep.email, "password": "correct-horse-battery", "csrf_token": "forged"},
    )
    assert response.status_code == 400


def test_logout_needs_csrf(as_rep):
    assert as_rep.client.post("/auth/logout").status_code == 400
    assert as_rep.get("/").status_code == 200


def test_login_attempts_are_rate_limited(app, browser, rep):
    limit = app.config["LOGIN_RATE_LIMIT"]
    for _ in range(limit):
        assert browser.login(rep.email, "wrong-password").status_code == 401
    blocked = browser.login(rep.email)  # even the right password waits now
    assert blocked.status_code == 429
    assert b"Too many sign-in attempts" in blocked.data


def test_open_redirect_after_login_is_ignored(browser, rep):
    token = browser.csrf()
    response = browser.client.post(
        "/auth/login?next=https://evil.example/",
        data={"email": rep.email, "password": "correct-horse-battery", "csrf_token": token},
    )
    assert response.headers["Location"] == "/"


def test_next_path_is_followed(browser, rep):
    token = browser.csrf()
    response = browser.client.post(
        "/auth/login?next=/some/page",
        data={"email": rep.email, "password": "correct-horse-battery", "csrf_token": token},
    )
    assert response.headers["Location"] == "/some/page"


def test_rep_sets_own_availability(as_rep, rep, app_ctx):
    response = as_rep.post("/auth/availability", {"availability": "away", "next": "/"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(User, rep.id).availability == "away"


def test_availability_over_htmx_needs_csrf_header(as_rep, rep, app_ctx):
    bare = as_rep.client.post(
        "/auth/availability", data={"availability": "offline"}, headers={"HX-Request": "true"}
    )
    assert bare.status_code == 400
    ok = as_rep.client.post(
        "/auth/availability",
        data={"availability": "offline"},
        headers={"HX-Request": "true", "X-CSRFToken": as_rep.csrf("/")},
    )
    assert ok.status_code == 200
    assert b'id="availability"' in ok.data
    db.session.expire_all()
    assert db.session.get(User, rep.id).availability == "offline"


def test_bad_availability_value_is_refused(as_rep, rep, app_ctx):
    assert as_rep.post("/auth/availability", {"availability": "asleep"}).status_code == 400
    assert db.session.get(User, rep.id).availability == "available"


def test_security_headers(browser):
    headers = browser.get("/auth/login").headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert "script-src 'self'" in headers["Content-Security-Policy"]


def test_session_cookie_is_httponly(browser, rep):
    browser.login(rep.email)
    cookie = browser.client.get_cookie("session")
    assert cookie is not None and cookie.http_only


# Sessions that end (issue 14, finding 2): sign-out, a new password and deactivation end
# every session and remember cookie of the user, replayed or on another device.


def _login_remembered(browser, email: str):
    token = browser.csrf()
    response = browser.client.post("/auth/login", data={
        "email": email, "password": "correct-horse-battery", "remember": "y",
        "csrf_token": token})
    assert response.status_code == 303
    return browser.client.get_cookie("remember_token").value


def _replay(app, **cookies):
    """A fresh client carrying only these cookies, as an attacker who saved them would."""
    client = app.test_client()
    for name, value in cookies.items():
        client.set_cookie(name, value)
    return client


def test_a_session_cookie_replayed_after_sign_out_is_refused(app, browser, rep):
    browser.login(rep.email)
    saved = browser.client.get_cookie("session").value
    assert _replay(app, session=saved).get("/").status_code == 200
    assert browser.post("/auth/logout").status_code == 303
    assert _replay(app, session=saved).get("/").status_code == 302


def test_a_remember_cookie_replayed_alone_after_sign_out_is_refused(app, browser, rep):
    remembered = _login_remembered(browser, rep.email)
    assert _replay(app, remember_token=remembered).get("/").status_code == 200
    browser.post("/auth/logout")
    assert _replay(app, remember_token=remembered).get("/").status_code == 302


def test_signing_out_ends_the_users_sessions_on_other_devices(app, browser, rep):
    from tests.conftest import Browser

    phone = Browser(_replay(app))
    assert phone.login(rep.email).status_code == 303
    browser.login(rep.email)
    browser.post("/auth/logout")
    assert phone.get("/").status_code == 302


def test_a_new_password_ends_the_users_sessions(app, as_admin, make_user):
    from tests.conftest import Browser

    user = make_user(email="pat@example.com", name="Pat Rep")
    pat = Browser(_replay(app))
    remembered = _login_remembered(pat, user.email)
    response = as_admin.post(f"/settings/users/{user.id}", {
        "email": user.email, "name": user.name, "role": "rep", "password": "a-new-password",
        "max_concurrent_chats": "3", "time_zone": "UTC", "is_chat_user": "y"})
    assert response.status_code == 303, response.get_data(as_text=True)
    assert pat.get("/").status_code == 302
    assert _replay(app, remember_token=remembered).get("/").status_code == 302
    assert as_admin.get("/").status_code == 200  # the admin's own session is untouched


def test_an_admin_changing_their_own_password_stays_signed_in_here(as_admin, admin):
    response = as_admin.post(f"/settings/users/{admin.id}", {
        "email": admin.email, "name": admin.name, "role": "admin",
        "password": "a-new-password", "max_concurrent_chats": "3", "time_zone": "UTC"})
    assert response.status_code == 303, response.get_data(as_text=True)
    assert as_admin.get("/").status_code == 200


def test_deactivation_ends_the_users_remember_cookie(app, as_admin, make_user):
    from tests.conftest import Browser

    user = make_user(email="pat@example.com")
    remembered = _login_remembered(Browser(_replay(app)), user.email)
    as_admin.post(f"/settings/users/{user.id}/deactivate")
    as_admin.post(f"/settings/users/{user.id}/reactivate")
    # Reactivated, the user signs in again: what was issued before stays dead.
    assert _replay(app, remember_token=remembered).get("/").status_code == 302


def test_the_remember_cookie_is_lax_httponly_and_new_at_each_sign_in(browser, rep):
    first = _login_remembered(browser, rep.email)
    cookie = browser.client.get_cookie("remember_token")
    assert cookie.http_only and cookie.same_site == "Lax"
    browser.post("/auth/logout")
    assert _login_remembered(browser, rep.email) != first


def test_the_csrf_token_changes_at_sign_in(browser, rep):
    before = browser.csrf()
    browser.login(rep.email)
    assert browser.csrf("/") != before


# Open redirects (finding 5): only a path on this site, after normalising.

OFF_SITE = [
    "////127.0.0.1:9999/pwn",
    "//127.0.0.1:9999/pwn",
    "/\\127.0.0.1:9999/pwn",
    "\\\\127.0.0.1:9999/pwn",
    "/\t/127.0.0.1:9999/pwn",
    " //127.0.0.1:9999/pwn",
    "https://evil.example/",
    "javascript:alert(1)",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_sign_in_never_redirects_off_site(browser, rep, target):
    token = browser.csrf()
    response = browser.client.post(
        "/auth/login", query_string={"next": target},
        data={"email": rep.email, "password": "correct-horse-battery", "csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", OFF_SITE)
def test_availability_never_redirects_off_site(as_rep, target):
    response = as_rep.post("/auth/availability", {"availability": "away", "next": target})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_availability_follows_a_path_on_this_site(as_rep):
    response = as_rep.post("/auth/availability", {"availability": "away", "next": "/offers/"})
    assert response.headers["Location"] == "/offers/"


# Account enumeration (finding 6): same time and same answers, known account or not.


def _median_seconds(browser, email: str, tries: int = 3) -> float:
    times = []
    for _ in range(tries):
        started = time.perf_counter()
        assert browser.login(email, "wrong-password").status_code == 401
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def test_an_unknown_email_takes_as_long_as_a_wrong_password(browser, make_user):
    from werkzeug.security import generate_password_hash

    make_user(email="real@example.com", password_hash=generate_password_hash("x" * 12))
    known = _median_seconds(browser, "real@example.com")
    unknown = _median_seconds(browser, "nobody@example.com")
    # Without a dummy hash the unknown email answers about ten times faster.
    assert unknown > known / 2, (known, unknown)


def _login_from(app, address: str, email: str, password: str):
    from tests.conftest import Browser

    browser = Browser(app.test_client())
    browser.client.environ_base["REMOTE_ADDR"] = address
    return browser.login(email, password)


@pytest.mark.parametrize("email", ["rep@example.com", "nobody@example.com"])
def test_sign_in_attempts_are_limited_per_account_from_any_address(app, rep, email):
    limit = app.config["LOGIN_ACCOUNT_RATE_LIMIT"]
    for n in range(limit):
        assert _login_from(app, f"10.0.0.{n + 1}", email, "wrong").status_code == 401
    blocked = _login_from(app, "10.0.1.1", email, "correct-horse-battery")
    assert blocked.status_code == 429
    # The same words for an account that exists and one that does not.
    assert b"Too many sign-in attempts" in blocked.data
    assert _login_from(app, "10.0.1.2", "other@example.com", "wrong").status_code == 401


def test_a_successful_sign_in_clears_the_accounts_count(app, rep):
    limit = app.config["LOGIN_ACCOUNT_RATE_LIMIT"]
    for n in range(limit - 1):
        _login_from(app, f"10.0.0.{n + 1}", rep.email, "wrong")
    assert _login_from(app, "10.0.2.1", rep.email, "correct-horse-battery").status_code == 303
    assert _login_from(app, "10.0.2.2", rep.email, "wrong").status_code == 401
