"""Canned replies over HTTP: admins manage the team's (reps get 403), each rep manages only
their own, bad input writes nothing, and the chat box's list is filled in (escaped) for the
visitor of a chat the rep writes in, and for nobody else."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from liveapp.extensions import db
from liveapp.models import CannedReply, Visitor
from liveapp.services.chat import canned_replies
from tests.conversations import test_chat_panel as panel

TEAM = "/settings/canned-replies"
MINE = "/canned-replies"

otto, as_otto, boss, as_boss = panel.otto, panel.as_otto, panel.boss, panel.as_boss
chatting = panel.chatting  # Rita chatting with a visitor routed to her and Otto


def _replies() -> list[tuple[int | None, str, str]]:
    db.session.expire_all()
    return [(r.owner_id, r.shortcut, r.body) for r in db.session.scalars(
        select(CannedReply).order_by(CannedReply.id))]


@pytest.fixture
def team_reply(app_ctx):
    return canned_replies.save(None, owner=None, shortcut="pricing",
                               body="Hi {first_name}! Pricing for {company} starts at $49.")


@pytest.fixture
def ottos_reply(app_ctx, otto):
    return canned_replies.save(None, owner=otto, shortcut="otto-hi", body="Otto here.")


# ---------------------------------------------------------------- the team's replies


def test_an_admin_adds_edits_and_deletes_a_team_reply(as_admin):
    answer = as_admin.post(f"{TEAM}/new", {"shortcut": "/Demo", "body": "Want a demo?"})
    assert answer.status_code == 303 and answer.headers["Location"].endswith(f"{TEAM}/")
    [(owner, shortcut, _)] = _replies()
    assert (owner, shortcut) == (None, "demo")  # stored without its slash, in lower case
    reply_id = db.session.scalar(select(CannedReply.id))
    assert "/demo" in as_admin.get(f"{TEAM}/").get_data(as_text=True)
    as_admin.post(f"{TEAM}/{reply_id}", {"shortcut": "demo", "body": "Book a demo?"})
    assert _replies() == [(None, "demo", "Book a demo?")]
    assert as_admin.post(f"{TEAM}/{reply_id}/delete").status_code == 303
    assert _replies() == []


@pytest.mark.parametrize(("form", "says"), [
    ({"shortcut": "two words", "body": "Hi"}, "letters, digits, - and _ only"),
    ({"shortcut": "", "body": "Hi"}, "Give the reply a shortcut."),
    ({"shortcut": "x" * 33, "body": "Hi"}, "at most 32 characters"),
    ({"shortcut": "hi", "body": "  "}, "Write the reply."),
    ({"shortcut": "hi", "body": "x" * 1001}, "at most 1000 characters"),
    ({"shortcut": "hi", "body": "Hi {name}"}, "Unknown placeholder {name}"),
    ({"shortcut": "PRICING", "body": "Again"}, "Another reply already uses /pricing."),
])
def test_bad_input_says_why_and_writes_nothing(as_admin, team_reply, form, says):
    before = _replies()
    answer = as_admin.post(f"{TEAM}/new", form)
    assert answer.status_code == 422
    assert says in answer.get_data(as_text=True)
    assert _replies() == before


def test_an_edit_with_bad_input_changes_nothing(as_admin, team_reply):
    before = _replies()
    answer = as_admin.post(f"{TEAM}/{team_reply.id}", {"shortcut": "ok", "body": ""})
    assert answer.status_code == 422 and _replies() == before


def test_a_form_without_its_csrf_token_is_refused(as_admin):
    answer = as_admin.client.post(f"{TEAM}/new", data={"shortcut": "hi", "body": "Hi"})
    assert answer.status_code == 400 and _replies() == []


def test_reps_get_403_on_the_team_replies_and_change_nothing(as_rep, team_reply):
    before = _replies()
    for path in (f"{TEAM}/", f"{TEAM}/new", f"{TEAM}/{team_reply.id}"):
        assert as_rep.get(path).status_code == 403
    assert as_rep.post(f"{TEAM}/new", {"shortcut": "x", "body": "y"}).status_code == 403
    assert as_rep.post(f"{TEAM}/{team_reply.id}", {"shortcut": "x", "body": "y"}).status_code == 403
    assert as_rep.post(f"{TEAM}/{team_reply.id}/delete").status_code == 403
    assert _replies() == before


def test_the_team_pages_do_not_reach_a_reps_own_reply(as_admin, ottos_reply):
    assert as_admin.get(f"{TEAM}/{ottos_reply.id}").status_code == 404
    assert as_admin.post(f"{TEAM}/{ottos_reply.id}/delete").status_code == 404
    assert "otto-hi" not in as_admin.get(f"{TEAM}/").get_data(as_text=True)


# ---------------------------------------------------------------- a rep's own replies


def test_a_rep_keeps_their_own_replies(as_rep, rep, team_reply, ottos_reply):
    # A rep's shortcut may repeat the team's or another rep's: one per scope.
    for shortcut in ("pricing", "otto-hi"):
        answer = as_rep.post(f"{MINE}/new", {"shortcut": shortcut, "body": "Mine!"})
        assert answer.status_code == 303, answer.get_data(as_text=True)
    again = as_rep.post(f"{MINE}/new", {"shortcut": "Pricing", "body": "Twice"})
    assert again.status_code == 422 and "already uses /pricing" in again.get_data(as_text=True)
    page = as_rep.get(f"{MINE}/").get_data(as_text=True)
    assert page.count("Mine!") == 2 and "Otto here." not in page
    team = page.split('id="team-replies"')[1]  # the team's, read-only: no edit link
    assert "starts at $49" in team and f"{TEAM}/" not in team
    assert sorted(s for o, s, _ in _replies() if o == rep.id) == ["otto-hi", "pricing"]


def test_a_rep_cannot_open_change_or_delete_another_reps_reply(as_rep, as_boss, ottos_reply):
    before = _replies()
    for who in (as_rep, as_boss):  # an admin neither: a rep's own replies are theirs alone
        assert who.get(f"{MINE}/{ottos_reply.id}").status_code == 404
        assert who.post(f"{MINE}/{ottos_reply.id}",
                        {"shortcut": "hijack", "body": "Mine now"}).status_code == 404
        assert who.post(f"{MINE}/{ottos_reply.id}/delete").status_code == 404
    assert _replies() == before


def test_the_owner_edits_and_deletes_their_reply(as_otto, ottos_reply):
    answer = as_otto.post(f"{MINE}/{ottos_reply.id}", {"shortcut": "hello", "body": "Hey!"})
    assert answer.status_code == 303 and answer.headers["Location"].endswith(f"{MINE}/")
    assert [(s, b) for _, s, b in _replies()] == [("hello", "Hey!")]
    assert as_otto.post(f"{MINE}/{ottos_reply.id}/delete").status_code == 303
    assert _replies() == []


def test_anonymous_users_are_sent_to_sign_in(browser):
    for path in (f"{MINE}/", f"{MINE}/new", f"{MINE}/conversations/1"):
        answer = browser.get(path)
        assert answer.status_code == 302 and "/auth/login" in answer.headers["Location"]


# ---------------------------------------------------------------- the chat box's list

HOSTILE_NAME = '<img/src=x/onerror="alert(1)"> Jones'  # its first word is the first name
HOSTILE_COMPANY = '<b>Acme</b> & "Co"'


def _name_visitor(conversation, name, company) -> None:
    visitor = db.session.get(Visitor, conversation.visitor_id)
    visitor.name, visitor.company_name = name, company
    db.session.commit()


def test_the_chat_box_gets_the_reps_and_the_teams_replies_filled_in_and_escaped(
        as_rep, rep, chatting, team_reply, ottos_reply):
    canned_replies.save(None, owner=rep, shortcut="thanks", body="Thanks, {first_name}.")
    _name_visitor(chatting, HOSTILE_NAME, HOSTILE_COMPANY)
    answer = as_rep.get(f"{MINE}/conversations/{chatting.id}")
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert 'role="listbox"' in html and html.count('role="option"') == 2  # not Otto's
    assert html.index("/thanks") < html.index("/pricing")  # their own first
    name = "&lt;img/src=x/onerror=&#34;alert(1)&#34;&gt;"
    company = "&lt;b&gt;Acme&lt;/b&gt; &amp; &#34;Co&#34;"
    assert f"Hi {name}! Pricing for {company} starts at $49." in html
    assert f'data-text="Thanks, {name}."' in html
    assert "<img" not in html and "<b>" not in html
    assert "Otto here." not in html


def test_unknown_facts_fall_back(as_rep, chatting, team_reply):
    _name_visitor(chatting, None, None)
    html = as_rep.get(f"{MINE}/conversations/{chatting.id}").get_data(as_text=True)
    assert "Hi there! Pricing for your company starts at $49." in html


def test_only_the_rep_writing_in_the_chat_gets_its_filled_replies(
        as_otto, as_boss, chatting, team_reply):
    # Otto may see the visitor (routed to him too) but Rita is chatting: no list for him;
    # an admin reads the transcript but does not write in Rita's chat.
    assert as_otto.get(f"{MINE}/conversations/{chatting.id}").status_code == 404
    assert as_boss.get(f"{MINE}/conversations/{chatting.id}").status_code == 403
    assert as_otto.get(f"{MINE}/conversations/999999").status_code == 404


def test_a_rep_with_no_replies_is_told_where_to_add_them(as_rep, chatting):
    html = as_rep.get(f"{MINE}/conversations/{chatting.id}").get_data(as_text=True)
    assert "No canned replies yet." in html and f'href="{MINE}/new"' in html
    assert db.session.scalar(select(func.count(CannedReply.id))) == 0


def test_the_database_keeps_one_shortcut_per_scope(app_ctx, rep, otto, team_reply):
    """Two saves at once both pass the service's check: the unique indexes decide."""
    from sqlalchemy.exc import IntegrityError

    def insert(owner_id):
        db.session.add(CannedReply(owner_id=owner_id, shortcut="pricing", body="Hi"))
        db.session.commit()

    for owner_id in (rep.id, otto.id):  # another scope each: fine
        insert(owner_id)
    for owner_id in (None, rep.id):  # the team's again, Rita's again: refused
        with pytest.raises(IntegrityError):
            insert(owner_id)
        db.session.rollback()
    assert len(_replies()) == 3
