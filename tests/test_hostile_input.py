"""Hostile input answers 4xx with a clear error, never a 500, and writes nothing (issue 14,
finding 8): deeply nested JSON, route ids past 64 bits, dates at the end of time, NUL
characters (which PostgreSQL refuses in text columns)."""

import json
import re
import uuid

import pytest
from sqlalchemy import func, select

from liveapp.extensions import db
from liveapp.models import Meeting, Message, PageView, Stream
from liveapp.services.chat import conversations
from liveapp.services.chat.tokens import visitor_token
from tests.conversations.test_claiming import routed
from tests.meetings.conftest import at_booker, widget  # noqa: F401  (booker fixtures)
from tests.tracking.conftest import ORIGIN, api, site  # noqa: F401  (events API fixtures)

NESTED = "[" * 1000 + "]" * 1000
WIDGET_POSTS = ("/t/v1/events", "/t/v1/chat/answer", "/t/v1/chat/messages",
                "/t/v1/chat/request", "/t/v1/chat/meetings")
PAST_64_BITS = 2**63
PAST_32_BITS = 2**31  # route ids are PostgreSQL `integer` columns
ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?\w+>")


def rows(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("path", WIDGET_POSTS)
@pytest.mark.parametrize("body", [NESTED, '{"token": ' + NESTED + "}"])
def test_deeply_nested_json_is_a_400(app, path, body):
    response = app.test_client().post(path, data=body, content_type="application/json",
                                      headers={"Origin": ORIGIN})
    assert response.status_code == 400, response.data
    assert "error" in response.get_json()


def _path_with(rule, value: int) -> str:
    """The rule's URL with `value` for its int arguments and a word for the others."""
    return ARGUMENT.sub(lambda m: str(value) if m.group(1) == "int" else "x", rule.rule)


def _int_rules(app):
    return [r for r in app.url_map.iter_rules() if "<int:" in r.rule]


def test_route_ids_past_what_the_database_holds_are_404_everywhere(app, as_admin, app_ctx):
    """Every route with an integer id, as an admin (who may see everything)."""
    rules = _int_rules(app)
    assert len(rules) >= 10
    for rule in rules:
        for too_large in (PAST_64_BITS, PAST_32_BITS):
            path = _path_with(rule, too_large)
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                response = (as_admin.get(path) if method == "GET" else
                            as_admin.post(path, headers={"HX-Request": "true"}))
                assert response.status_code == 404, (method, path, response.status_code)
    edge = as_admin.get(f"/conversations/{PAST_32_BITS - 1}", follow_redirects=True)
    assert edge.status_code == 404  # the largest id still routes; it finds nothing


def test_a_meeting_at_the_end_of_time_is_a_400(widget, at_booker, rep, app_ctx):  # noqa: F811
    _, token = at_booker(rep)
    for start in ("9999-12-31T23:30:00Z", "9999-12-31T23:59:59", "0001-01-01T00:00:00+01:00"):
        response = widget.book(token, start=start)
        assert response.status_code == 400, (start, response.data)
        assert response.get_json()["error"].startswith("start: ")
    assert rows(Meeting) == 0


def test_nul_in_an_event_title_or_trait_is_a_400(api, app_ctx):  # noqa: F811
    for fields in ({"title": "Pricing\x00"}, {"traits": {"plan": "pro\x00"}},
                   {"url": "https://www.example.com/\x00"}):
        response = api.send(**fields)
        assert response.status_code == 400, (fields, response.data)
        assert "must not contain" in response.get_json()["error"]
    assert rows(PageView) == 0


def test_nul_in_widget_posts_is_a_400_naming_the_field(api, rep, at_booker, widget,  # noqa: F811
                                                       app, app_ctx):
    vid = routed(api, rep)
    conversations.claim(vid, rep, "pounce")
    client = app.test_client()
    token = visitor_token(vid)
    sent = client.post("/t/v1/chat/messages", json={"token": token, "body": "hi\x00there"})
    assert sent.status_code == 400
    assert sent.get_json() == {"error": "body: must not contain NUL characters"}
    _, booker_token = at_booker(rep)
    start = widget.slots(booker_token).get_json()["slots"][0]
    booked = widget.book(booker_token, start=start, note="call me\x00")
    assert booked.status_code == 400
    assert booked.get_json() == {"error": "note: must not contain NUL characters"}
    assert rows(Message) == 0 and rows(Meeting) == 0


def test_nul_in_forms_paths_and_queries_is_a_400(api, rep, as_admin, app, app_ctx):  # noqa: F811
    vid = routed(api, rep)
    conversation = conversations.claim(vid, rep, "pounce")
    from tests.conftest import Browser

    as_rep = Browser(app.test_client())
    as_rep.login(rep.email)
    written = as_rep.post(f"/conversations/{conversation.id}/messages", {"body": "a\x00b"})
    assert written.status_code == 400
    assert "NUL" in written.get_data(as_text=True)
    named = as_admin.post("/settings/streams/new", {"name": "Hot\x00 leads"})
    assert named.status_code == 400
    assert as_admin.get("/board/visitors/a%00b").status_code == 400
    assert as_admin.get("/settings/visitors/?q=a%00b").status_code == 400
    assert rows(Message) == 0 and rows(Stream) == 0
    assert json.loads(app.test_client().get(f"/t/v1/chat?token=a%00{uuid.uuid4()}").data)[
        "error"]
