"""The events API's fast path (`EventsFastPath`, in front of Flask) answers exactly what the
Flask view answers: status, body, the API's headers and the app's security headers."""

from __future__ import annotations

import json
import uuid

import pytest
from werkzeug.test import Client

from liveapp.blueprints.tracking import EventsFastPath
from liveapp.services.chat.tokens import verify_visitor_token
from liveapp.services.tracking.visitor_ids import internal_id
from tests.tracking.conftest import ORIGIN


def _flask_only(app):
    """The app's WSGI callable behind the fast path (the Flask app itself)."""
    layer = app.wsgi_app
    while not isinstance(layer, EventsFastPath):
        layer = layer.wsgi_app
    return Client(layer.wsgi_app)


def _cases(site_key: str) -> list[tuple[str, dict, bytes]]:
    visitor = str(uuid.uuid4())
    good = {"site_key": site_key, "visitor_id": visitor, "type": "page_view",
            "url": "https://www.example.com/pricing", "title": "Pricing"}
    return [
        ("page view", {"Origin": ORIGIN}, json.dumps(good).encode()),
        ("heartbeat", {}, json.dumps({**good, "type": "heartbeat"}).encode()),
        ("as text/plain (sendBeacon)", {"Content-Type": "text/plain"}, json.dumps(good).encode()),
        ("bad field", {"Origin": ORIGIN}, json.dumps({**good, "type": "click"}).encode()),
        ("not JSON", {}, b"{nope"),
        ("nested too deep", {}, b"[" * 1000 + b"]" * 1000),
        ("NUL in the title", {}, json.dumps({**good, "title": "a\x00b"}).encode()),
        ("too big", {}, json.dumps({**good, "title": "x" * 70_000}).encode()),
        ("unknown site", {"Origin": ORIGIN}, json.dumps({**good, "site_key": "nope"}).encode()),
        ("foreign origin", {"Origin": "https://evil.example"}, json.dumps(good).encode()),
        ("form content type", {"Content-Type": "application/x-www-form-urlencoded"},
         json.dumps(good).encode()),
    ]


HEADERS = ("Content-Type", "Cache-Control", "Access-Control-Allow-Origin",
           "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options",
           "Content-Security-Policy")


@pytest.mark.parametrize("index", range(11))
def test_the_fast_path_answers_as_the_flask_view(app, site, index):
    name, headers, body = _cases(site.site_key)[index]
    headers = {"Content-Type": "application/json", **headers}
    fast = app.test_client().post("/t/v1/events", data=body, headers=headers)
    flask = _flask_only(app).post("/t/v1/events", data=body, headers=headers)
    assert fast.status_code == flask.status_code, name
    fast_body, flask_body = fast.get_json(), flask.get_json()
    if fast.status_code == 202:
        # The token signs the internal id of the cookie's id the answer echoes.
        assert verify_visitor_token(fast_body.pop("token")) == internal_id(fast_body["visitor_id"])
        assert verify_visitor_token(flask_body.pop("token")) == internal_id(
            flask_body["visitor_id"])
    assert fast_body == flask_body, name
    for header in HEADERS:
        assert fast.headers.get(header) == flask.headers.get(header), (name, header)
    # Flask adds Cookie because a hook looked at the session; the answer does not depend
    # on cookies (the API is cookieless), so the fast path does not say it does.
    assert set(fast.vary) == set(flask.vary) - {"Cookie"} == {"Origin"}, name


def test_other_paths_and_methods_go_to_flask(app, site):
    client = app.test_client()
    preflight = client.options("/t/v1/events", headers={"Origin": ORIGIN})
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Methods"] == "POST, OPTIONS"
    assert client.get("/t/v1/events").status_code == 405


def _database_away():
    from sqlalchemy.exc import OperationalError

    raise OperationalError("SELECT sites", {}, Exception("connection refused"))


def test_the_database_away_is_a_503_on_both_paths_when_no_site_is_known(app, site, monkeypatch):
    from liveapp.services.settings import sites

    monkeypatch.setattr(sites, "_load", _database_away)
    body = json.dumps({"site_key": site.site_key, "visitor_id": str(uuid.uuid4()),
                       "type": "heartbeat"}).encode()
    headers = {"Content-Type": "application/json"}
    for client in (app.test_client(), _flask_only(app)):
        sites.forget_cache()
        answer = client.post("/t/v1/events", data=body, headers=headers)
        assert answer.status_code == 503, answer.get_data(as_text=True)
        assert answer.get_json() == {"error": "Unavailable; try again shortly."}
        assert answer.headers["Retry-After"] == "5"


def test_sites_known_before_the_database_went_away_still_take_events(app, site, monkeypatch):
    from liveapp.services.settings import sites

    sites.forget_cache()
    assert sites.site_for_key(site.site_key) is not None  # loaded while it was there
    monkeypatch.setattr(sites, "CACHE_TTL", 0.0)  # every look-up would reload now
    monkeypatch.setattr(sites, "_load", _database_away)
    answer = app.test_client().post("/t/v1/events", json={
        "site_key": site.site_key, "visitor_id": str(uuid.uuid4()), "type": "page_view",
        "url": "https://www.example.com/"})
    assert answer.status_code == 202, answer.get_data(as_text=True)
