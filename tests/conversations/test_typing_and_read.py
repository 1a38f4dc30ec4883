"""Typing indicators both ways (over the existing streams, rate-limited, stored nowhere)
and read state (unread counts on cards, "Seen" in the rep's panel and the widget): who
gets what, and bad input refused with a clear error and nothing written or sent."""

from __future__ import annotations

import json

import pytest

from liveapp.extensions import db
from liveapp.infra import realtime
from liveapp.models import Conversation
from liveapp.services.chat import conversations, tokens
from liveapp.services.live import boards, cards, typing, viewers
from tests.conversations import test_chat_panel as panel
from tests.conversations.test_claiming import routed
from tests.conversations.test_widget_api import _token_of

# The chat panel tests' fixtures: Rita chatting with a visitor routed to her and Otto
# (another rep), Bea an admin, and live events read from Redis.
chatting, otto, as_otto, boss, as_boss = (
    panel.chatting, panel.otto, panel.as_otto, panel.boss, panel.as_boss)
record = panel.record


@pytest.fixture
def visitor_token(chatting):
    """The chatting visitor's widget token (as the events API hands it out)."""
    return tokens.visitor_token(chatting.visitor_id)


@pytest.fixture
def widget(app):
    client = app.test_client()

    def post(path: str, **body):
        return client.post(f"/t/v1/chat/{path}", json=body)

    return post


def _detail(events, vid: str, marker: str) -> list[tuple[str, str]]:
    return [(c, d) for c, e, d in events if e == boards.detail_event(vid) and marker in d]


def _stored(conversation_id: int) -> Conversation:
    db.session.expire_all()
    return db.session.get(Conversation, conversation_id)


# ---------------------------------------------------------------- typing


def test_the_visitors_typing_reaches_the_owners_panel_only(
        record, rep, otto, boss, chatting, visitor_token, widget):
    vid = chatting.visitor_id
    for user in (otto, boss):  # viewing the detail: they still get no typing
        viewers.mark(vid, user.id)
    channels = [realtime.rep_channel(u.id) for u in (rep, otto, boss)]
    recorder = record(*channels)
    assert widget("typing", token=visitor_token, state="typing").status_code == 200
    [(channel, data)] = _detail(recorder.take(), vid, f'id="chat-typing-{chatting.id}"')
    assert channel == channels[0]
    assert "Visitor is typing…" in data and 'hx-swap-oob="true"' in data
    assert widget("typing", token=visitor_token, state="stopped").status_code == 200
    [(_, data)] = _detail(recorder.take(), vid, f'id="chat-typing-{chatting.id}"')
    assert "is typing" not in data


def test_the_visitors_name_in_the_typing_line_is_escaped(
        record, rep, chatting, visitor_token, widget):
    chatting.visitor.name = panel.HTML
    db.session.commit()
    recorder = record(realtime.rep_channel(rep.id))
    assert widget("typing", token=visitor_token, state="typing").status_code == 200
    [(_, data)] = _detail(recorder.take(), chatting.visitor_id, "chat-typing-")
    assert f"{panel.ESCAPED} is typing…" in data and "<img" not in data


def test_the_reps_typing_reaches_the_visitors_widget(as_rep, record, chatting):
    recorder = record(realtime.visitor_channel(chatting.visitor_id))
    assert as_rep.post(f"/conversations/{chatting.id}/typing",
                       {"state": "typing"}).status_code == 204
    [(_, event, data)] = recorder.take()
    assert (event, json.loads(data)) == ("typing", {"rep": "Rita Rep", "typing": True})


def test_typing_is_rate_limited_per_side_of_a_conversation(
        as_rep, record, rep, chatting, visitor_token, widget):
    recorder = record(realtime.rep_channel(rep.id))
    answers = [widget("typing", token=visitor_token, state="typing").status_code
               for _ in range(typing.LIMIT + 2)]
    assert answers == [200] * typing.LIMIT + [429, 429]
    assert len(_detail(recorder.take(), chatting.visitor_id, "chat-typing-")) == typing.LIMIT
    # The rep's side has its own budget.
    assert as_rep.post(f"/conversations/{chatting.id}/typing",
                       {"state": "typing"}).status_code == 204


def test_typing_from_anyone_else_sends_nothing(
        api, as_otto, as_boss, record, rep, chatting, widget):
    recorder = record(realtime.rep_channel(rep.id),
                      realtime.visitor_channel(chatting.visitor_id))
    path = f"/conversations/{chatting.id}/typing"
    assert as_otto.post(path, {"state": "typing"}).status_code == 404  # another rep's chat
    assert as_boss.post(path, {"state": "typing"}).status_code == 403  # admins only read
    other = _token_of(api, routed(api, rep))  # another visitor, nobody chatting with them
    refused = widget("typing", token=other, state="typing")
    assert refused.status_code == 409 and refused.get_json()["error"].startswith("conversation:")
    assert widget("typing", token="forged", state="typing").status_code == 403
    assert recorder.take() == []


def test_typing_needs_the_csrf_token_and_a_known_state(
        as_rep, record, chatting, visitor_token, widget):
    recorder = record(realtime.visitor_channel(chatting.visitor_id))
    no_csrf = as_rep.client.post(f"/conversations/{chatting.id}/typing",
                                 data={"state": "typing"})
    assert no_csrf.status_code == 400
    for state in ("", "TYPING", "typing!"):
        bad = as_rep.post(f"/conversations/{chatting.id}/typing", {"state": state})
        assert bad.status_code == 400
        assert bad.get_json() == {"error": 'state: must be "typing" or "stopped"'}
    for state in (None, 1, ["typing"]):
        bad = widget("typing", token=visitor_token, state=state)
        assert bad.status_code == 400 and bad.get_json()["error"].startswith("state:")
    assert recorder.take() == []


# ---------------------------------------------------------------- read state


def test_unread_visitor_messages_show_on_the_card_until_the_rep_reads_them(
        as_rep, record, rep, chatting, visitor_token, widget):
    second = conversations.post(chatting, "visitor", "And HubSpot?")
    card = cards.card_for(chatting.visitor_id)
    assert card.chat.unread == 2
    html = as_rep.get(f"/board/cards/{chatting.visitor_id}").get_data(as_text=True)
    assert f'data-unread="2" data-unread-rep="{rep.id}"' in html and "2 unread" in html
    recorder = record(realtime.ADMIN_CHANNEL, realtime.visitor_channel(chatting.visitor_id))
    assert as_rep.post(f"/conversations/{chatting.id}/read",
                       {"message_id": second.id}).status_code == 204
    assert _stored(chatting.id).rep_read_id == second.id
    assert cards.card_for(chatting.visitor_id).chat.unread == 0
    events = recorder.take()
    [update] = [d for _, e, d in events if e == boards.ADMIN_EVENT]
    assert "vc-unread" not in update  # the card updated live
    assert [json.loads(d) for _, e, d in events if e == "read"] == [{"rep_read_id": second.id}]
    # The widget reads it after a reload too ("Seen" under the visitor's message).
    state = as_rep.client.get(f"/t/v1/chat?token={visitor_token}").get_json()
    assert state["conversation"]["rep_read_id"] == second.id


def test_reading_is_for_the_owner_with_a_message_of_the_conversation(
        api, as_rep, as_otto, as_boss, rep, chatting):
    path = f"/conversations/{chatting.id}/read"
    last = chatting.messages[-1].id
    assert as_otto.post(path, {"message_id": last}).status_code == 404
    assert as_boss.post(path, {"message_id": last}).status_code == 403
    elsewhere = conversations.claim(routed(api, rep), rep, "pounce")
    foreign = conversations.post(elsewhere, "visitor", "not yours").id
    for value in ("", "abc", "-1", str(foreign), "99999999"):
        bad = as_rep.post(path, {"message_id": value})
        assert bad.status_code == 400, value
        assert bad.get_json() == {
            "error": "message_id: must be the id of a message of this conversation"}
    assert _stored(chatting.id).rep_read_id is None
    # Read state only moves forward: an older id posted late changes nothing.
    assert as_rep.post(path, {"message_id": last}).status_code == 204
    assert as_rep.post(path, {"message_id": chatting.messages[0].id}).status_code == 204
    assert _stored(chatting.id).rep_read_id == last


def test_the_visitor_seeing_the_reps_message_shows_seen_in_the_panel(
        as_rep, record, rep, chatting, visitor_token, widget):
    vid, rep_message = chatting.visitor_id, chatting.messages[0]
    marker = f'id="chat-seen-{chatting.id}"'
    page = as_rep.get(f"/board/visitors/{vid}").get_data(as_text=True)
    assert marker in page and ">Seen</p>" not in page
    recorder = record(realtime.rep_channel(rep.id))
    answer = widget("read", token=visitor_token, message_id=rep_message.id)
    assert answer.status_code == 200 and answer.get_json() == {"visitor_read_id": rep_message.id}
    [(_, data)] = _detail(recorder.take(), vid, marker)
    assert f'data-seen-upto="{rep_message.id}"' in data and ">Seen</p>" in data
    assert ">Seen</p>" in as_rep.get(f"/board/visitors/{vid}").get_data(as_text=True)
    # The rep's next message is not seen yet.
    conversations.post(chatting, "rep", "Natively, yes.", rep=rep)
    assert ">Seen</p>" not in as_rep.get(f"/board/visitors/{vid}").get_data(as_text=True)


def test_the_visitor_marks_only_its_own_conversation_read(
        api, rep, chatting, visitor_token, widget):
    elsewhere = conversations.claim(routed(api, rep), rep, "pounce")
    foreign = conversations.post(elsewhere, "rep", "hello other").id
    bad = widget("read", token=visitor_token, message_id=foreign)
    assert bad.status_code == 400 and bad.get_json()["error"].startswith("message_id:")
    for value in (None, "x", True, 1.5):
        assert widget("read", token=visitor_token, message_id=value).status_code == 400
    other = _token_of(api, routed(api, rep))
    assert widget("read", token=other, message_id=chatting.messages[0].id).status_code == 409
    assert widget("read", token="forged", message_id=1).status_code == 403
    assert _stored(chatting.id).visitor_read_id is None
    assert _stored(elsewhere.id).visitor_read_id is None


def test_read_marks_from_a_visitor_are_rate_limited(chatting, visitor_token, widget):
    from liveapp.blueprints.widget import READ_LIMIT

    first = chatting.messages[0].id
    answers = {widget("read", token=visitor_token, message_id=first).status_code
               for _ in range(READ_LIMIT)}
    assert answers == {200}
    late = widget("read", token=visitor_token, message_id=chatting.messages[-1].id)
    assert late.status_code == 429
    assert _stored(chatting.id).visitor_read_id == first
