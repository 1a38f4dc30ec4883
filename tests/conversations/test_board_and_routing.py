"""Conversations seen from the board and from routing."""

from datetime import UTC, datetime

from liveapp.services.chat import conversations
from liveapp.services.routing.compiled_rules import reps_for_routing
from tests.conversations.test_claiming import routed


def test_detail_offers_start_conversation_then_shows_who_chats(api, as_rep, rep, app,
                                                                make_user, app_ctx):
    from tests.conftest import Browser

    other = make_user(name="Otto Other", email="otto@example.com")
    vid = routed(api, rep, other)
    page = as_rep.get(f"/board/visitors/{vid}").get_data(as_text=True)
    assert "Start conversation" in page
    started = as_rep.post(f"/conversations/claim/{vid}", headers={"HX-Request": "true"})
    assert started.status_code == 201 and "Open the chat" in started.get_data(as_text=True)
    mine = as_rep.get(f"/board/visitors/{vid}").get_data(as_text=True)
    conversation = conversations.open_conversation(vid)
    assert f'id="chat-messages-{conversation.id}"' in mine and "Close conversation" in mine
    second = Browser(app.test_client())
    second.login(other.email)
    theirs = second.get(f"/board/visitors/{vid}").get_data(as_text=True)
    assert "Rita Rep is already chatting with this visitor." in theirs
    assert "Start conversation" not in theirs


def test_routing_reads_open_chats_and_last_assignment(api, rep, make_user, app_ctx):
    other = make_user(email="otto@example.com")
    vid = routed(api, rep, other)
    conversations.claim(vid, rep, "pounce")
    reps = {r.id: r for r in reps_for_routing(datetime.now(UTC))}
    assert (reps[rep.id].open_chats, reps[other.id].open_chats) == (1, 0)
    assert reps[rep.id].last_assigned_at is not None and reps[other.id].last_assigned_at is None
    conversations.close(conversations.open_conversation(vid))
    assert {r.id: r for r in reps_for_routing(datetime.now(UTC))}[rep.id].open_chats == 0
