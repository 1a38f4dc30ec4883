"""The chat panel on the visitor detail: who sees what, sending and closing from it, the
live fragments it gets, and the cards' "who is chatting" line."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

from liveapp.extensions import db
from liveapp.infra import realtime
from liveapp.models import Message
from liveapp.services.chat import conversations
from liveapp.services.live import boards, card_cache, cards, viewers
from tests.board import conftest as board_fixtures
from tests.conftest import Browser
from tests.conversations.test_claiming import routed

record = board_fixtures.record  # live events read from Redis

HTML = '<img src=x onerror="alert(1)"><b>hi</b>'
ESCAPED = "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;&lt;b&gt;hi&lt;/b&gt;"


@pytest.fixture
def otto(make_user):
    return make_user(name="Otto Other", email="otto@example.com")


@pytest.fixture
def as_otto(app, otto):
    browser = Browser(app.test_client())
    browser.login(otto.email)
    return browser


@pytest.fixture
def boss(make_user):
    return make_user(role="admin", name="Bea Boss", email="boss@example.com")


@pytest.fixture
def as_boss(app, boss):
    browser = Browser(app.test_client())
    browser.login(boss.email)
    return browser


@pytest.fixture
def chatting(api, rep, otto, app_ctx):
    """A visitor routed to Rita and Otto; Rita is chatting with them."""
    vid = routed(api, rep, otto)
    conversation = conversations.claim(vid, rep, "pounce")
    conversations.post(conversation, "rep", "Hello from Rita, how can I help?", rep=rep)
    conversations.post(conversation, "visitor", "Do you integrate with Salesforce?")
    return conversation


def _count_messages() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Message.id)))


def htmx(target: str) -> dict:
    return {"HX-Request": "true", "HX-Target": target}


# ---------------------------------------------------------------- who sees what


def test_the_owner_gets_the_panel_with_form_and_close(as_rep, chatting):
    page = as_rep.get(f"/board/visitors/{chatting.visitor_id}").get_data(as_text=True)
    assert f'id="chat-messages-{chatting.id}"' in page
    assert "Do you integrate with Salesforce?" in page
    assert f'id="chat-form-{chatting.id}"' in page and "Close conversation" in page
    assert "Start conversation" not in page and "is already chatting" not in page


def test_another_rep_sees_who_is_chatting_and_no_transcript(as_otto, chatting):
    page = as_otto.get(f"/board/visitors/{chatting.visitor_id}").get_data(as_text=True)
    assert "Rita Rep is already chatting with this visitor." in page
    assert "Hello from Rita" not in page and "chat-messages-" not in page
    assert "Salesforce?" in page  # the card's last message, which every rep's card shows
    assert "Start conversation" not in page


def test_an_admin_reads_the_live_transcript_but_cannot_write(as_boss, chatting):
    page = as_boss.get(f"/board/visitors/{chatting.visitor_id}").get_data(as_text=True)
    assert "Rita Rep is already chatting with this visitor." in page
    assert "Do you integrate with Salesforce?" in page and "live, read-only" in page
    assert "chat-form-" not in page and "Close conversation" not in page
    written = as_boss.post(f"/conversations/{chatting.id}/messages", {"body": "hijack"},
                           headers=htmx(f"chat-form-{chatting.id}"))
    assert written.status_code == 403 and _count_messages() == 2


def test_another_rep_can_neither_read_nor_post_nor_close(as_otto, chatting):
    assert as_otto.get(f"/conversations/{chatting.id}").status_code == 404
    assert as_otto.post(f"/conversations/{chatting.id}/messages",
                        {"body": "me too"}).status_code == 404
    assert as_otto.post(f"/conversations/{chatting.id}/close").status_code == 404
    assert _count_messages() == 2 and conversations.open_conversation(chatting.visitor_id)


# ---------------------------------------------------------------- start, send, close


def test_start_from_the_detail_swaps_in_the_panel(api, as_rep, rep, app_ctx):
    vid = routed(api, rep)
    started = as_rep.post(f"/conversations/claim/{vid}", {"origin": "pounce"},
                          headers=htmx(f"chat-{vid}"))
    assert started.status_code == 201
    html = started.get_data(as_text=True)
    conversation = conversations.open_conversation(vid)
    assert html.startswith(f'<div id="chat-{vid}"')
    assert f'id="chat-form-{conversation.id}"' in html and "No messages yet." in html


def test_the_chat_limit_is_shown_in_the_chat_area(api, as_rep, rep, app_ctx):
    rep.max_concurrent_chats = 1
    db.session.commit()
    first, second = routed(api, rep), routed(api, rep)
    conversations.claim(first, rep, "pounce")
    refused = as_rep.post(f"/conversations/claim/{second}", {"origin": "pounce"},
                          headers=htmx(f"chat-{second}"))
    assert refused.status_code == 409
    html = refused.get_data(as_text=True)
    assert "You already have 1 open chats: close one first." in html
    assert "Start conversation" in html and conversations.open_conversation(second) is None


def test_sending_clears_the_form_and_appends_the_message_inert(as_rep, chatting):
    sent = as_rep.post(f"/conversations/{chatting.id}/messages", {"body": HTML},
                       headers=htmx(f"chat-form-{chatting.id}"))
    assert sent.status_code == 201
    html = sent.get_data(as_text=True)
    assert "></textarea>" in html  # empty again
    assert f'hx-swap-oob="beforeend:#chat-messages-{chatting.id}"' in html
    assert ESCAPED in html and "<img" not in html and "<b>hi" not in html
    assert chatting.messages[-1].body == HTML
    page = as_rep.get(f"/board/visitors/{chatting.visitor_id}").get_data(as_text=True)
    assert ESCAPED in page and "<img" not in page


@pytest.mark.parametrize("body, error", [
    ("   ", "Write a message first."),
    ("x" * 2001, "A message is at most 2000 characters."),
])
def test_bad_messages_are_shown_inline_and_write_nothing(as_rep, chatting, body, error):
    refused = as_rep.post(f"/conversations/{chatting.id}/messages", {"body": body},
                          headers=htmx(f"chat-form-{chatting.id}"))
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert html.startswith(f'<form id="chat-form-{chatting.id}"')
    assert f'<p id="chat-error-{chatting.id}" class="error" role="alert">{error}</p>' in html
    assert _count_messages() == 2


def test_closing_shows_closed_and_the_start_button(as_rep, chatting):
    closed = as_rep.post(f"/conversations/{chatting.id}/close",
                         headers=htmx(f"chat-{chatting.visitor_id}"))
    assert closed.status_code == 200
    html = closed.get_data(as_text=True)
    assert "closed" in html and "Start conversation" in html
    assert "Hello from Rita, how can I help?" in html and "chat-form-" not in html
    transcript = as_rep.get(f"/conversations/{chatting.id}")  # closed: readable in place
    assert transcript.status_code == 200 and "Salesforce" in transcript.get_data(as_text=True)


# ---------------------------------------------------------------- live


def test_a_visitor_message_reaches_the_owner_and_viewing_admins_only(
        record, rep, otto, boss, chatting):
    vid = chatting.visitor_id
    for user in (otto, boss):
        viewers.mark(vid, user.id)
    channels = [realtime.rep_channel(u.id) for u in (rep, otto, boss)]
    recorder = record(*channels)
    message = conversations.post(chatting, "visitor", HTML)
    details = [(c, d) for c, e, d in recorder.take() if e == boards.detail_event(vid)
               and f"#chat-messages-{chatting.id}" in d]
    assert sorted(c for c, _ in details) == sorted([channels[0], channels[2]])
    for _, data in details:
        assert f'<li id="message-{message.id}" class="message message-visitor">' in data
        assert ESCAPED in data and "<img" not in data


def test_a_claim_turns_other_viewers_start_button_into_who_chats(api, record, rep, otto,
                                                                 app_ctx):
    vid = routed(api, rep, otto)
    viewers.mark(vid, otto.id)
    recorder = record(realtime.rep_channel(otto.id), realtime.rep_channel(rep.id))
    conversations.claim(vid, rep, "pounce")
    events = {c: d for c, e, d in recorder.take() if e == boards.detail_event(vid)
              and f'id="chat-{vid}" hx-swap-oob="true"' in d}
    theirs, mine = events[realtime.rep_channel(otto.id)], events[realtime.rep_channel(rep.id)]
    assert "Rita Rep is already chatting with this visitor." in theirs
    assert "chat-messages-" not in theirs and "csrf_token" not in theirs
    assert "chat-form-" in mine and "csrf_token" not in mine  # htmx sends the header


def test_every_message_updates_the_card(record, chatting):
    recorder = record(realtime.ADMIN_CHANNEL)
    conversations.post(chatting, "rep", "Yes, natively. " * 10, rep=chatting.rep)
    [update] = [d for c, e, d in recorder.take() if e == boards.ADMIN_EVENT]
    assert "💬 <b>Rita Rep</b>: <span" in update and "Yes, natively." in update
    assert "…</span>" in update  # shortened


# ---------------------------------------------------------------- cards


def test_the_card_shows_who_is_chatting_and_the_last_message_inert(chatting):
    card = cards.card_for(chatting.visitor_id)
    assert (card.chat.rep, card.chat.sender) == ("Rita Rep", "visitor")
    conversations.post(chatting, "visitor", HTML)
    html = card_cache.render(cards.card_for(chatting.visitor_id))
    assert f"💬 <b>Rita Rep</b> · visitor: <span class=\"vc-chat-last\">{ESCAPED}</span>" in html
    conversations.close(chatting)
    assert cards.card_for(chatting.visitor_id).chat is None


def test_a_new_chat_shows_before_any_message(api, rep, app_ctx):
    vid = routed(api, rep)
    conversations.claim(vid, rep, "pounce")
    assert "💬 <b>Rita Rep</b> is chatting" in card_cache.render(cards.card_for(vid))


def test_building_cards_does_not_query_per_card(api, rep, make_user, app_ctx):
    def chats(n: int) -> list[str]:
        ids = []
        for i in range(n):
            owner = make_user(email=f"owner{len(ids)}-{n}@example.com")
            vid = routed(api, owner)
            conversations.post(conversations.claim(vid, owner, "pounce"), "visitor", f"hello {i}")
            ids.append(vid)
        return ids

    def statements(ids: list[str]) -> int:
        seen = []
        listener = lambda *args: seen.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            built = list(cards.load_many(ids)[0].values())
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert len(built) == len(ids) and all(c and c.chat and c.chat.last for c in built)
        return len(seen)

    assert statements(chats(2)) == statements(chats(6))


def test_the_visitors_messages_carry_their_name_once_known_escaped(as_rep, chatting):
    vid = chatting.visitor_id
    page = as_rep.get(f"/board/visitors/{vid}").get_data(as_text=True)
    assert '<span class="who">Visitor</span>' in page  # nobody knows who they are yet
    chatting.visitor.email = "pat@acme.example"
    db.session.commit()
    page = as_rep.get(f"/board/visitors/{vid}").get_data(as_text=True)
    assert '<span class="who">pat@acme.example</span>' in page
    chatting.visitor.name = HTML
    db.session.commit()
    page = as_rep.get(f"/board/visitors/{vid}").get_data(as_text=True)
    assert f'<span class="who">{ESCAPED}</span>' in page and HTML not in page
