"""Sign in, sign out, CSRF, the login rate limit, and availability."""

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
