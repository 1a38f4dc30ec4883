"""Request-wide behaviour (liveapp/web.py): caching of signed-in pages, the snippet's
public URL, and the error page of anonymous 401s (issue 14, finding 10)."""

from __future__ import annotations

import pytest


def test_signed_in_pages_and_fragments_are_not_stored(as_rep):
    assert as_rep.get("/").headers["Cache-Control"] == "no-store"
    fragment = as_rep.get("/board/body", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert fragment.headers["Cache-Control"] == "no-store"


def test_anonymous_pages_and_static_files_may_be_cached(as_rep, browser):
    static = as_rep.get("/static/app.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")
    static.close()
    as_rep.post("/auth/logout")
    assert "no-store" not in browser.get("/auth/login").headers.get("Cache-Control", "")


@pytest.fixture
def site(app_ctx):
    from liveapp.services.settings import sites

    return sites.save_site(None, name="Example", allowed_origins=["https://www.example.com"])


def _with_forged_host(app, browser, path: str) -> str:
    """The page as the signed-in browser gets it when a request says `Host: evil.example`
    (the cookie jar would not send localhost's session to that host: send it by hand)."""
    session = browser.client.get_cookie("session").value
    client = app.test_client(use_cookies=False)
    response = client.get(path, headers={"Host": "evil.example", "Cookie": f"session={session}"})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_snippet_uses_the_configured_public_url_whatever_the_host(
        app, as_admin, site, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://liveapp.example.com")
    page = _with_forged_host(app, as_admin, f"/settings/sites/{site.id}")
    assert "https://liveapp.example.com/static/liveapp.js" in page
    assert "evil.example" not in page


def test_without_a_public_url_the_snippet_follows_the_request(app, as_admin, site, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_URL", "")
    page = as_admin.get(f"/settings/sites/{site.id}").get_data(as_text=True)
    assert "http://localhost/static/liveapp.js" in page


def test_public_url_comes_from_the_environment(tmp_path, monkeypatch):
    from liveapp import config

    monkeypatch.setenv("LIVEAPP_PUBLIC_URL", "https://liveapp.example.com/ ")
    assert config.from_environment(tmp_path)["PUBLIC_URL"] == "https://liveapp.example.com"


def test_an_anonymous_401_is_the_apps_error_page(browser, rep):
    response = browser.get(f"/events/stream?channel=rep:{rep.id}")
    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert "Please sign in" in page and 'class="error-page"' in page


def test_an_anonymous_401_under_the_api_is_json(app):
    from werkzeug.exceptions import Unauthorized

    # No route under /t/ answers 401 today (bad tokens are 403): the app's handler decides.
    with app.test_request_context("/t/v1/chat"):
        response = app.make_response(app.handle_http_exception(Unauthorized()))
    assert response.status_code == 401
    assert response.json == {"error": "Please sign in to continue."}
