"""The widget's API: a visitor token reads and writes only its own conversation."""

import json

from sqlalchemy import inspect

from liveapp.extensions import db, redis
from liveapp.services.chat import conversations
from liveapp.services.chat.tokens import visitor_token
from tests.conversations.test_claiming import routed
from tests.visitor_ids import VisitorId


def _token_of(api, vid):
    return api.send(visitor_id=vid).get_json()["token"]


def test_visitor_reads_and_writes_its_own_conversation(api, as_rep, rep, app, app_ctx):
    vid = routed(api, rep)
    token = _token_of(api, vid)
    client = app.test_client()
    empty = client.get(f"/t/v1/chat?token={token}")
    assert empty.status_code == 200
    assert empty.get_json() == {"conversation": None, "messages": [], "status": "idle",
                                "experience": None, "answers": {}, "flow": None,
                                "requested": False, "channel": f"visitor:{vid}",
                                "queue": None}
    early = client.post("/t/v1/chat/messages", json={"token": token, "body": "hello?"})
    assert early.status_code == 409
    as_rep.post(f"/conversations/claim/{vid}")
    conversation = conversations.open_conversation(vid)
    conversations.post(conversation, "rep", "Hi, I'm Rita. Need help with pricing?",
                       rep=conversation.rep)
    sent = client.post("/t/v1/chat/messages", json={"token": token, "body": "<b>yes</b>"})
    assert sent.status_code == 201
    transcript = client.get(f"/t/v1/chat?token={token}").get_json()
    assert transcript["conversation"]["rep"] == "Rita Rep"
    assert [(m["sender"], m["body"]) for m in transcript["messages"]] == [
        ("rep", "Hi, I'm Rita. Need help with pricing?"), ("visitor", "<b>yes</b>")]
    page = as_rep.get(f"/conversations/{conversation.id}",
                      follow_redirects=True).get_data(as_text=True)
    assert "&lt;b&gt;yes&lt;/b&gt;" in page and "<b>yes</b>" not in page


def test_forged_other_and_expired_tokens_are_refused(api, as_rep, rep, app, app_ctx):
    vid = routed(api, rep)
    as_rep.post(f"/conversations/claim/{vid}")
    client = app.test_client()
    other = _token_of(api, VisitorId())  # another real visitor, with no chat
    unknown = visitor_token(VisitorId())  # signed, but for nobody we know
    altered = _token_of(api, vid)[:-3] + "abc"
    for token in ("forged", altered, unknown):
        assert client.get(f"/t/v1/chat?token={token}").status_code == 403
        response = client.post("/t/v1/chat/messages", json={"token": token, "body": "hi"})
        assert response.status_code == 403
    assert client.get(f"/t/v1/chat?token={other}").get_json()["conversation"] is None
    mine = client.post("/t/v1/chat/messages", json={"token": other, "body": "hi"})
    assert mine.status_code == 409
    db.session.expire_all()
    assert conversations.open_conversation(vid).messages == []


def test_bad_messages_from_visitors(api, as_rep, rep, app, app_ctx):
    vid = routed(api, rep)
    token = _token_of(api, vid)
    as_rep.post(f"/conversations/claim/{vid}")
    client = app.test_client()
    for body in ({"token": token, "body": ""}, {"token": token, "body": "x" * 2001},
                 {"token": token, "body": 42}):
        response = client.post("/t/v1/chat/messages", json=body)
        assert response.status_code == 400 and response.get_json()["error"].startswith("body:")
    assert client.post("/t/v1/chat/messages", data="[1, 2]",
                       content_type="application/json").status_code == 400
    huge = json.dumps({"token": token, "body": "x" * 5000})
    assert client.post("/t/v1/chat/messages", data=huge,
                       content_type="application/json").status_code == 400


def test_inbound_request_needs_a_valid_token(api, app, app_ctx, inbound_flow):
    client = app.test_client()
    assert client.post("/t/v1/chat/request", json={"token": "nope"}).status_code == 403
    vid = VisitorId()
    token = _token_of(api, vid)
    assert client.post("/t/v1/chat/request", json={"token": token}).status_code == 202


def test_inbound_request_needs_a_flow_that_asks_for_a_rep(api, app, app_ctx):
    """No experience, no Route for Inbound Chat: refused, and routing is not asked."""
    from liveapp.services.routing import router

    client = app.test_client()
    vid = VisitorId()
    refused = client.post("/t/v1/chat/request", json={"token": _token_of(api, vid)})
    assert refused.status_code == 409
    assert refused.get_json() == {
        "error": "flow: your chat has not reached Route for Inbound Chat"}
    assert redis.client.exists(router.state_key(vid), router.lock_key(vid)) == 0


def test_message_limits_count_characters_not_bytes(api, as_rep, rep, app, app_ctx):
    vid = routed(api, rep)
    token = _token_of(api, vid)
    as_rep.post(f"/conversations/claim/{vid}")
    client = app.test_client()
    longest = "é" * 1999 + "😀"[:1]  # 2000 characters, 2 to 6 bytes each in JSON
    assert client.post("/t/v1/chat/messages",
                       json={"token": token, "body": longest}).status_code == 201
    too_long = client.post("/t/v1/chat/messages", json={"token": token, "body": "é" * 2001})
    assert too_long.get_json() == {"error": "body: A message is at most 2000 characters."}
    html = '<img src=x onerror="alert(1)">'
    sent = client.post("/t/v1/chat/messages", json={"token": token, "body": html})
    assert sent.status_code == 201
    db.session.expire_all()
    bodies = [m.body for m in conversations.open_conversation(vid).messages]
    assert bodies == [longest, html]
    assert client.get(f"/t/v1/chat?token={token}").get_json()["messages"][-1]["body"] == html


def test_a_visitor_flooding_the_chat_is_slowed_down_and_nothing_more_is_written(
        api, as_rep, rep, app, app_ctx, monkeypatch, inbound_flow):
    monkeypatch.setitem(app.config, "CHAT_VISITOR_LIMIT", 3)
    vid = routed(api, rep)
    token = _token_of(api, vid)
    as_rep.post(f"/conversations/claim/{vid}")
    client = app.test_client()
    answers = [client.post("/t/v1/chat/messages", json={"token": token, "body": f"hi {n}"})
               for n in range(5)]
    assert [a.status_code for a in answers] == [201, 201, 201, 429, 429]
    assert answers[-1].get_json() == {"error": "Too many requests; slow down."}
    assert client.post("/t/v1/chat/request", json={"token": token}).status_code == 429
    db.session.expire_all()
    assert len(conversations.open_conversation(vid).messages) == 3
    # Another visitor is not affected.
    other = routed(api, rep)
    assert client.post("/t/v1/chat/request",
                       json={"token": _token_of(api, other)}).status_code == 202


def test_many_visitors_behind_one_address_share_its_limit(api, app, app_ctx, monkeypatch,
                                                          inbound_flow):
    monkeypatch.setitem(app.config, "CHAT_IP_LIMIT", 2)
    client = app.test_client()
    tokens = [_token_of(api, VisitorId()) for _ in range(3)]
    codes = [client.post("/t/v1/chat/request", json={"token": t}).status_code for t in tokens]
    assert codes == [202, 202, 429]


def test_a_stored_message_needs_no_database_afterwards(api, as_rep, rep, app_ctx):
    """What a message post does after its commit (its answer, the live events) reads
    nothing from the database: a database lost just after the commit must not turn a
    stored message into a 503 that the widget would send again."""
    vid = routed(api, rep)
    as_rep.post(f"/conversations/claim/{vid}")
    conversation = conversations.open_conversation(vid)
    message = conversations.post(conversation, "visitor", "still there?")
    assert inspect(message).expired_attributes == set()
    assert inspect(conversation).expired_attributes <= {"messages"}
    assert [m.body for m in conversation.messages] == ["still there?"]
