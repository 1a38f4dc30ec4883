"""The cookie id is a secret only the visitor's browser holds (issue 14, finding 1): reps,
pages, URLs, live payloads and the database see an internal id that gives nothing back.
Posting that internal id to the events API makes another, new visitor whose token reads
nothing of the first one's conversation and may not subscribe to its channel."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from liveapp.extensions import db
from liveapp.infra import realtime
from liveapp.services.chat import conversations
from liveapp.services.chat.tokens import verify_visitor_token
from liveapp.services.tracking.visitor_ids import derive, internal_id, is_internal
from tests.board.conftest import PRICING
from tests.board.test_board_page import login

VISITOR_ID_COLUMNS = ("visit_sessions", "page_views", "conversations")


@pytest.fixture
def chatting(visitors, rep_a, record):
    """A visitor on pricing routed to Alice, chatting with her; the live events of the
    visitor's first page view on Alice's board."""
    recorder = record(realtime.rep_channel(rep_a.id), realtime.ADMIN_CHANNEL)
    cookie = str(uuid.uuid4())
    seen = visitors.visit(PRICING, visitor_id=cookie)  # what everyone but the browser sees
    visitors.route(seen, rep_a)
    conversation = conversations.claim(seen, rep_a, "pounce")
    conversations.post(conversation, "visitor", "Do you have an annual plan?")
    return cookie, seen, recorder.take()


def test_reps_pages_urls_live_events_and_rows_never_show_the_cookie_id(
        browser, rep_a, chatting):
    cookie, seen, events = chatting
    assert seen != cookie and is_internal(seen)
    board = login(browser, rep_a).get("/").get_data(as_text=True)
    assert f'data-visitor="{seen}"' in board and cookie not in board
    detail = browser.get(f"/board/visitors/{seen}")
    assert detail.status_code == 200 and cookie not in detail.get_data(as_text=True)
    assert browser.get(f"/board/visitors/{cookie}").status_code == 404
    assert {kind for _, kind, data in events if f'data-visitor="{seen}"' in data} == {
        "card", "admin-card"}
    assert all(cookie not in data for _, _, data in events)
    with db.engine.connect() as conn:
        assert conn.scalar(text("SELECT id FROM visitors")) == seen
        for table in VISITOR_ID_COLUMNS:
            assert set(conn.scalars(text(f"SELECT visitor_id FROM {table}"))) == {seen}


def test_posting_the_id_a_rep_sees_gives_nothing_of_that_visitor(app, api, chatting):
    cookie, seen, _ = chatting
    own = api.send(visitor_id=cookie).get_json()
    assert own["visitor_id"] == cookie  # SPEC 3: echoed as the snippet sent it
    assert verify_visitor_token(own["token"]) == seen
    client = app.test_client()
    transcript = client.get("/t/v1/chat", query_string={"token": own["token"]}).get_json()
    assert transcript["channel"] == f"visitor:{seen}"
    assert [m["body"] for m in transcript["messages"]] == ["Do you have an annual plan?"]

    stolen = api.send(visitor_id=str(seen))  # the id in a rep's URL, posted as a cookie id
    assert stolen.status_code == 202
    token = stolen.get_json()["token"]
    other = verify_visitor_token(token)
    assert other not in (seen, cookie)
    answer = client.get("/t/v1/chat", query_string={"token": token}).get_json()
    assert answer["conversation"] is None and answer["messages"] == []
    assert answer["channel"] == f"visitor:{other}"
    sse = client.get("/events/stream", query_string={"channel": f"visitor:{seen}",
                                                      "token": token})
    assert sse.status_code == 403


def test_internal_ids_are_keyed_one_way_and_stable(app_ctx):
    cookie = str(uuid.uuid4())
    assert internal_id(cookie) == internal_id(cookie.upper()) == derive("test-secret", cookie)
    assert internal_id(cookie) != cookie and is_internal(internal_id(cookie))
    assert derive("another deployment's secret", cookie) != internal_id(cookie)
    assert not is_internal(cookie)  # the snippet's random (version 4) ids
