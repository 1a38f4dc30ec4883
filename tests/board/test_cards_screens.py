"""The card and the visitor page (issue 15, points 4 and 5), without a browser: the
Salesforce row says "no match" instead of nothing, reps show as avatars with the short
routing reason, the timeline has the bot's questions with their answers and the chat's
start and close, and the rep's chat panel shows what the bot said before they joined."""

from __future__ import annotations

import pytest

from liveapp.demo.streams import seed_streams
from liveapp.domain.avatars import colour
from liveapp.extensions import db
from liveapp.models import Visitor
from liveapp.services.chat import conversations
from liveapp.services.live import card_cache, cards, viewers
from liveapp.services.routing import assignments
from liveapp.services.routing.assignments import Assignment
from liveapp.services.tracking import timeline
from tests.board.test_escaping import PAYLOAD, assert_inert
from tests.conversations.test_widget_flow import _qualify_flow
from tests.tracking.conftest import ORIGIN
from tests.tracking.test_presence import statements  # noqa: F401  (SQL statements)
from tests.visitor_ids import VisitorId

PRICING_URL = "https://www.example.com/pricing"


def card_html(vid: str) -> str:
    return card_cache.render(cards.card_for(vid))


def with_crm(vid: str, salesforce: dict) -> None:
    visitor = db.session.get(Visitor, vid)
    visitor.crm = {"salesforce": salesforce}
    db.session.commit()


# ---------------------------------------------------------------- 4. cards


@pytest.mark.parametrize(("salesforce", "row"), [
    ({"status": "not_found"}, '<dt>Salesforce</dt><dd class="vc-none">no match</dd>'),
    ({"status": "not_found", "reason": "no email"},
     '<dt>Salesforce</dt><dd class="vc-none">no match</dd>'),
    ({"status": "unavailable", "reason": "rate_limited"},
     '<dt>Salesforce</dt><dd class="vc-none">unavailable</dd>'),
    ({"status": "ok", "record_type": "Lead", "owner_name": "Ann Archer"},
     "<dt>Salesforce</dt><dd>Lead · owner Ann Archer</dd>"),
    ({"status": "ok"}, None),  # nothing to say: no empty row
])
def test_the_salesforce_row_is_never_empty(app_ctx, visitors, salesforce, row):
    vid = visitors.visit()
    with_crm(vid, salesforce)
    html = card_html(vid)
    if row is None:
        assert "Salesforce" not in html
    else:
        assert row in html
    assert "<dd></dd>" not in html


def test_the_card_shows_the_offered_reps_avatars_and_the_short_reason(app_ctx, visitors,
                                                                      rep_a, rep_b):
    vid = visitors.visit()
    assignments.save(vid, Assignment(
        rule_name="Target accounts", mode="first_available", routed_to=[rep_a.id, rep_b.id],
        offered_to=[rep_a.id, rep_b.id], outcome="offer", trigger="pounce",
        reason="your Salesforce lead", explanation="rule Target accounts matched; …"))
    html = card_html(vid)
    assert (f'<span class="avatar avatar-sm" role="img" aria-label="Alice Rep" '
            f'title="Alice Rep" style="background-color: {colour(rep_a.id)}">AR</span>') in html
    assert 'aria-label="Bob Rep"' in html and ">BR</span>" in html
    assert "offered to Alice Rep, Bob Rep" in html  # the names stay in words too
    assert '<span class="vc-reason" title="Why this rep">Salesforce lead owner</span>' in html
    assert "Why: rule Target accounts matched" in html  # the whole explanation stays


def test_the_engaged_rep_and_the_viewers_show_as_avatars(app_ctx, visitors, rep_a, rep_b):
    vid = visitors.visit()
    visitors.route(vid, rep_a)
    conversation = conversations.claim(vid, rep_a, "pounce")
    conversations.post(conversation, "rep", "Hi!", rep=rep_a)
    viewers.mark(vid, rep_b.id)
    html = card_html(vid)
    engaged = html.split('data-engaged>', 1)[1].split("</span>", 1)[0]
    assert "avatar-engaged" in engaged and 'aria-label="Alice Rep"' in engaged
    assert "💬 <b>Alice Rep</b>: " in html  # the chat line
    viewing = html.split('class="vc-viewing"', 1)[1].split("</p>", 1)[0]
    assert 'aria-label="Bob Rep"' in viewing and "Bob Rep viewing" in viewing


def test_a_hostile_rep_name_renders_inert_in_avatars(app_ctx, visitors, make_user):
    rep = make_user(role="rep", email="eve@example.com", name=PAYLOAD[:120])
    vid = visitors.visit()
    visitors.route(vid, rep)
    conversation = conversations.claim(vid, rep, "pounce")
    conversations.post(conversation, "rep", "Hi!", rep=rep)
    html = card_html(vid)
    assert 'class="avatar' in html
    assert_inert(html)


def test_avatars_cost_no_query_per_card(app_ctx, visitors, make_user,
                                        statements):  # noqa: F811
    """A batch of cards with routed, claiming and viewing reps: the same statements for
    one card as for six (the avatars come from the names the batch loads anyway)."""
    reps = [make_user(role="rep", email=f"r{i}@example.com", name=f"Rep {i}") for i in range(6)]
    vids = []
    for rep in reps:
        vid = visitors.visit()
        visitors.route(vid, rep, *reps[:2])
        conversations.claim(vid, rep, "pounce")
        viewers.mark(vid, reps[-1].id)
        vids.append(vid)
    db.session.expire_all()
    statements.clear()
    cards.load_many(vids[:1])
    one = len(statements)
    db.session.expire_all()
    statements.clear()
    loaded, _ = cards.load_many(vids)
    assert len(statements) == one
    assert all(card.routing.claimed_by.initials == "R" + card.routing.claimed_by.name[-1]
               for card in loaded.values())


# ---------------------------------------------------------------- 5. visitor page


@pytest.fixture
def in_flow(api, app, app_ctx, rep):
    """A visitor on the pricing page of the demo's streams, who answered the bot, routed
    to Rita."""
    seed_streams()
    vid = VisitorId()
    sent = api.send(visitor_id=vid, url=PRICING_URL)
    assert sent.status_code == 202
    token = sent.get_json()["token"]
    answered = app.test_client().post(
        "/t/v1/chat/answer", json={"token": token, "step": 2, "value": "Talk to sales"},
        headers={"Origin": ORIGIN})
    assert answered.status_code == 200, answered.get_json()
    assignments.save(vid, Assignment(rule_name="Everyone", mode="first_available",
                                     routed_to=[rep.id], explanation="test"))
    return vid


def test_the_timeline_has_the_bots_question_and_the_answer(in_flow):
    texts = [(e.kind, e.text) for e in timeline.entries(in_flow)]
    assert ("bot", "Asked “What would help most?”, answered “Talk to sales”") in texts


def test_the_timeline_has_the_chats_start_and_close(in_flow, rep, as_rep):
    conversation = conversations.claim(in_flow, rep, "pounce")
    conversations.close(conversation)
    texts = [(e.kind, e.text, e.detail) for e in timeline.entries(in_flow)]
    assert ("chat", "Chat started by Rita Rep", "pounce chat") in texts
    assert ("chat", "Chat with Rita Rep closed", "") in texts
    page = as_rep.get(f"/board/visitors/{in_flow}").get_data(as_text=True)
    assert '<li class="tl-chat">' in page and "Chat started by Rita Rep" in page
    assert '<li class="tl-bot">' in page


def test_the_reps_chat_panel_shows_what_the_bot_said_before_they_joined(in_flow, rep, as_rep):
    before = as_rep.get(f"/board/visitors/{in_flow}").get_data(as_text=True)
    assert "Before the chat: the bot" in before  # read before starting the chat, too
    conversations.claim(in_flow, rep, "pounce")
    page = as_rep.get(f"/board/visitors/{in_flow}").get_data(as_text=True)
    panel = page.split('class="chat-panel', 1)[1]
    bot = panel.split('class="chat-bot"', 1)[1].split("</section>", 1)[0]
    lines = [("Bot", "Comparing plans? I can answer pricing questions."),
             ("Bot", "What would help most?"), ("Visitor", "Talk to sales"),
             ("Bot", "Where can we reach you?")]
    at = 0
    for who, text in lines:  # in this order
        at = bot.index(f'<span class="who">{who}</span> <span class="body">{text}</span>', at)
    assert panel.index('class="chat-bot"') < panel.index("chat-messages-")


def test_the_visitor_page_names_the_visitor_once(in_flow, as_rep):
    page = as_rep.get(f"/board/visitors/{in_flow}").get_data(as_text=True)
    assert 'class="page page-wide"' in page
    assert page.count("<h1>") == 1


def test_what_the_visitor_told_the_bot_renders_inert(api, app, app_ctx, rep, as_admin):
    """An industry answer is free text: the timeline and the bot transcript escape it."""
    _qualify_flow()
    vid = VisitorId()
    sent = api.send(visitor_id=vid, url=PRICING_URL)
    token = sent.get_json()["token"]
    for step, value in ((0, "201-1000"), (1, PAYLOAD[:120])):
        answered = app.test_client().post(
            "/t/v1/chat/answer", json={"token": token, "step": step, "value": value},
            headers={"Origin": ORIGIN})
        assert answered.status_code == 200, answered.get_json()
    conversations.claim(vid, rep, "pounce")
    page = as_admin.get(f"/board/visitors/{vid}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.split('class="chat-bot"', 1)[1]
    assert "answered “&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert_inert(page)
