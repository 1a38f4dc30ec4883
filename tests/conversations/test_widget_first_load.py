"""The widget against the event pipeline: a new visitor's widget reads GET /t/v1/chat
right after the 202, usually before `liveapp pipeline` recorded the visitor; it gets an
empty state (not a 403), then an `experience` nudge on its channel once the processor
placed it. A chat email answer is an identify appended to the stream, behind the
visitor's queued events, never recorded ahead of them."""

from __future__ import annotations

import json

import pytest

from liveapp.demo.streams import seed_streams
from liveapp.extensions import db, redis
from liveapp.infra import realtime
from liveapp.models import Visitor
from liveapp.services.chat.tokens import visitor_token
from tests.tracking.conftest import ORIGIN
from tests.visitor_ids import VisitorId

PRICING_URL = "https://www.example.com/pricing"


@pytest.fixture
def queued(app, monkeypatch):
    """Posts stay in the stream until the test drains them (as before the processor ran)."""
    monkeypatch.setattr(app.extensions["test_drain"], "enabled", False)


def _read(client, token):
    return client.get(f"/t/v1/chat?token={token}", headers={"Origin": ORIGIN})


def _listen(visitor_id: str):
    listener = redis.client.pubsub()
    listener.subscribe(realtime.redis_channel(realtime.visitor_channel(visitor_id)))
    listener.get_message(timeout=1)  # the subscription's confirmation
    return listener


def _events(listener) -> list[tuple[str, dict]]:
    seen = []
    while message := listener.get_message(timeout=0.2):
        if message["type"] == "message":
            payload = json.loads(message["data"])
            seen.append((payload["type"], json.loads(payload["data"])))
    return seen


def test_a_new_visitors_first_load_is_empty_then_nudged_to_its_experience(
        api, app, app_ctx, queued, drain):
    seed_streams()  # the pricing page's experience
    vid = VisitorId()
    response = api.send(visitor_id=vid, url=PRICING_URL, headers={"Origin": ORIGIN})
    assert response.status_code == 202
    token = response.get_json()["token"]
    assert db.session.get(Visitor, vid) is None  # not recorded yet
    client = app.test_client()
    first = _read(client, token)
    assert first.status_code == 200
    assert first.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert first.get_json() == {"conversation": None, "messages": [], "status": "idle",
                                "experience": None, "answers": {}, "flow": None,
                                "requested": False, "channel": f"visitor:{vid}",
                                "queue": None}
    listener = _listen(vid)
    try:
        assert drain() == 1
        nudges = [data for kind, data in _events(listener) if kind == "experience"]
    finally:
        listener.close()
    assert len(nudges) == 1 and isinstance(nudges[0]["experience_id"], int)
    again = _read(client, token).get_json()
    assert again["experience"]["id"] == nudges[0]["experience_id"]
    assert again["experience"]["name"] == "Pricing Page"
    # The next page keeps the experience: no second nudge.
    listener = _listen(vid)
    try:
        api.send(visitor_id=vid, url=PRICING_URL)
        drain()
        assert [kind for kind, _ in _events(listener) if kind == "experience"] == []
    finally:
        listener.close()


def test_a_token_for_a_visitor_neither_recorded_nor_present_is_refused(app, app_ctx):
    client = app.test_client()
    assert _read(client, visitor_token(VisitorId())).status_code == 403
    assert _read(client, "forged").status_code == 403


def test_writes_wait_for_the_recorded_visitor(api, app, app_ctx, queued, inbound_flow):
    vid = VisitorId()
    token = api.send(visitor_id=vid).get_json()["token"]
    client = app.test_client()
    # Nothing to write to before the visitor is recorded (no experience, no conversation).
    response = client.post("/t/v1/chat/request", json={"token": token})
    assert response.status_code == 403


def test_a_chat_email_answer_is_appended_behind_the_visitors_queued_events(
        api, app, app_ctx, drain, monkeypatch):
    from tests.conversations.test_widget_flow import _answer

    seed_streams()
    vid = VisitorId()
    token = api.send(visitor_id=vid, url=PRICING_URL).get_json()["token"]  # recorded
    client = app.test_client()
    assert _answer(client, token, 2, "Talk to sales").status_code == 200
    monkeypatch.setattr(app.extensions["test_drain"], "enabled", False)
    # The site's form identified the visitor a moment ago; the processor has not run yet.
    assert api.send(visitor_id=vid, type="identify", email="old@acme.example",
                    url=PRICING_URL).status_code == 202
    response = _answer(client, token, 3, "pat@acme.example")
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(Visitor, vid).email is None  # no SQL in the answer: queued
    assert drain() == 2
    db.session.expire_all()
    visitor = db.session.get(Visitor, vid)
    # The chat's answer came last, so it is the email kept (recorded in the request, the
    # form's queued identify would have overwritten it).
    assert (visitor.email, visitor.email_source) == ("pat@acme.example", "chat")
