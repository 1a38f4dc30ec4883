"""Transcript search on the Conversations page: who sees what, filters, full-text hits
with escaped highlights, pages, bad input, and the index kept in step by retention and
erasure (on whichever backend the run uses: SQLite FTS5 or PostgreSQL's tsvector)."""

import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from liveapp.domain import transcript_search as rules
from liveapp.extensions import db
from liveapp.models import Conversation, Message, Visitor
from liveapp.models.conversation import FTS_TABLE
from liveapp.services.chat import transcript_search
from liveapp.services.ops import erasure, retention


@pytest.fixture
def chat(site, rep, app_ctx):
    """chat(*bodies, rep=, name=, company=, email=, started=) -> a closed conversation."""

    def make(*bodies, rep=rep, name="Vera Visitor", company="Acme", email=None,
             started=datetime(2026, 11, 20, 12, 0)):
        visitor = Visitor(id=str(uuid.uuid4()), site_id=site.id, name=name,
                          company_name=company, email=email)
        conversation = Conversation(visitor=visitor, rep_id=rep.id, origin="inbound",
                                    status="closed", started_at=started, closed_at=started)
        conversation.messages = [Message(sender="visitor", body=b, sent_at=started)
                                 for b in bodies]
        db.session.add(conversation)
        db.session.commit()
        return conversation

    return make


def page(client, **args):
    return client.get("/conversations/", query_string=args)


def listed(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def test_a_rep_finds_words_in_their_own_chats_never_in_another_reps(
        as_rep, chat, make_user):
    other = make_user(name="Otto Other", email="otto@example.com")
    chat("We need invoices in euros", name="Mine Visitor")
    chat("Our invoices are late", name="Theirs Visitor", rep=other)
    chat("Nothing about money", name="Quiet Visitor")
    html = listed(page(as_rep, q="invoice"))  # stemmed: "invoices" matches
    assert "Mine Visitor" in html and "Theirs Visitor" not in html
    assert "Quiet Visitor" not in html
    assert "<mark>invoices</mark>" in html
    # Naming the other rep in the URL changes nothing for a rep.
    html = listed(page(as_rep, q="invoices", rep=other.id))
    assert "Theirs Visitor" not in html and "Mine Visitor" in html


def test_an_admin_sees_every_rep_and_filters_by_rep_visitor_and_company(
        as_admin, chat, rep, make_user):
    other = make_user(name="Otto Other", email="otto@example.com")
    chat("hello", name="Ann Alpha", company="Alpha GmbH", email="ann@alpha.test")
    chat("hello", name="Bob Beta", company="Beta 100% Ltd", rep=other)
    assert {"Ann Alpha", "Bob Beta"} <= set(_names(listed(page(as_admin))))
    assert _names(listed(page(as_admin, rep=other.id))) == ["Bob Beta"]
    assert _names(listed(page(as_admin, visitor="ALPHA.test"))) == ["Ann Alpha"]
    assert _names(listed(page(as_admin, company="100%"))) == ["Bob Beta"]
    assert _names(listed(page(as_admin, company="_"))) == []  # a literal, not a wildcard


def _names(html: str) -> list[str]:
    import re

    return re.findall(r'<a href="/conversations/\d+">([^<]+)</a>', html)


def test_dates_are_days_in_the_users_time_zone(browser, make_user, chat):
    tokyo = make_user(name="Toki Rep", email="toki@example.com", time_zone="Asia/Tokyo")
    # 2026-11-20 20:00 UTC is already the 21st in Tokyo (UTC+9).
    chat("late one", rep=tokyo, name="Late Visitor", started=datetime(2026, 11, 20, 20, 0))
    chat("early one", rep=tokyo, name="Early Visitor", started=datetime(2026, 11, 20, 10, 0))
    browser.login(tokyo.email)
    assert _names(listed(page(browser, **{"from": "2026-11-21", "to": "2026-11-21"}))) == [
        "Late Visitor"]
    assert _names(listed(page(browser, to="2026-11-20"))) == ["Early Visitor"]


def test_snippets_escape_what_the_visitor_wrote(as_rep, chat):
    # PostgreSQL's ts_headline drops what looks like a tag; FTS5 keeps it: either way,
    # nothing the visitor wrote reaches the page unescaped.
    chat('<script>alert("x")</script> pricing <b>now</b> Q&A 1 < 2 \ue000fake\ue001',
         name="<img src=x onerror=alert(1)>")
    html = listed(page(as_rep, q="pricing"))
    assert "<script>" not in html and "<b>" not in html and "<img src=x" not in html
    assert "&lt;img src=x" in html and "Q&amp;A 1 &lt; 2" in html
    assert "<mark>pricing</mark>" in html
    assert "<mark>fake</mark>" not in html  # what a visitor types never passes for a hit


def test_search_text_is_words_never_query_syntax(as_rep, chat):
    chat("price: NEAR(a b) \"quoted\" OR stuff*", name="Odd Visitor")
    for query in ['NEAR(a b)', '"quoted', 'stuff*', 'OR', "price:", "*", "'); drop"]:
        assert listed(page(as_rep, q=query)), query
    assert _names(listed(page(as_rep, q="NEAR(a b)"))) == ["Odd Visitor"]
    assert "No conversation matches." in listed(page(as_rep, q="*"))


def test_results_are_paginated_and_links_keep_the_filters(as_rep, chat):
    for n in range(transcript_search.PAGE_SIZE + 3):
        chat(f"renewal number {n}", name=f"Visitor {n:02d}",
             started=datetime(2026, 11, 1) + timedelta(hours=n))
    first = listed(page(as_rep, q="renewal", company="acme"))
    assert len(_names(first)) == transcript_search.PAGE_SIZE
    assert 'href="/conversations/?page=2&amp;q=renewal&amp;company=acme"' in first
    second = listed(page(as_rep, q="renewal", company="acme", page=2))
    assert _names(second) == ["Visitor 02", "Visitor 01", "Visitor 00"]


@pytest.mark.parametrize("args, error", [
    ({"from": "2026-13-01"}, "From: a date as YYYY-MM-DD."),
    ({"to": "yesterday"}, "To: a date as YYYY-MM-DD."),
    ({"from": "2026-11-02", "to": "2026-11-01"}, "To: the range ends before it starts."),
    ({"q": "x" * (rules.MAX_TEXT + 1)}, "Text: at most 200 characters."),
    ({"page": "-1"}, "Page: a whole number."),
    ({"rep": "ann"}, "Rep: a whole number."),
])
def test_bad_filters_answer_a_clear_error_and_no_results(as_rep, chat, args, error):
    chat("hello there", name="Some Visitor")
    response = page(as_rep, **args)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and error in html
    assert _names(html) == []


def test_deleted_messages_leave_the_index(as_rep, app, chat):
    old = chat("ancient platypus", name="Old Visitor", started=datetime(2020, 1, 1))
    kept = chat("recent platypus", name="Kept Visitor", email="kept@example.com")
    gone = chat("erased platypus", name="Gone Visitor", email="gone@example.com")
    old.closed_at = datetime(2020, 1, 1)
    db.session.commit()
    retention.delete_expired(now=datetime(2026, 11, 30))
    erasure.erase_email("gone@example.com", by="test")
    assert _names(listed(page(as_rep, q="platypus"))) == ["Kept Visitor"]
    assert _hit_count("platypus") == 1
    assert kept.id and gone  # the rows themselves are covered by the retention tests


def _hit_count(word: str) -> int:
    """Messages the full-text index itself finds: on SQLite, the FTS5 table's own rows (an
    entry left behind by a delete would count here); on PostgreSQL the index is the table's."""
    if db.session.get_bind().dialect.name == "sqlite":
        return db.session.scalar(text(f"SELECT count(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} "
                                      "MATCH :word"), {"word": word})
    return len(db.session.execute(transcript_search._hits([word])).all())
