"""What a tracked page view costs the database: the statements of one page view of a known
visitor, routed to a rep and shown in a stream (see bench/page_view_profile.py)."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from sqlalchemy import event

from liveapp.extensions import db
from liveapp.services.membership import experiences
from tests.board.conftest import PRICING

TABLE = re.compile(r"^\s*(?:(UPDATE)|(SELECT|INSERT|DELETE)\b.*?\b(?:FROM|INTO))\s+(\w+)",
                   re.IGNORECASE | re.DOTALL)


@pytest.fixture
def statements(app_ctx):
    """(verb, first table) of every SQL statement run while the list is recorded."""
    seen: list[tuple[str, str]] = []

    def record(conn, cursor, statement, *args):
        found = TABLE.match(statement)
        seen.append(((found.group(1) or found.group(2)).upper(), found.group(3)) if found
                    else (statement, ""))

    event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(db.engine, "before_cursor_execute", record)


# One page view, nothing about the visitor's membership changing: the tracking writes, the
# facts membership evaluates, and the card's routed reps' names (no conversation query:
# nobody claimed the visitor).
# Each row is read once per stage that needs it fresh: the later stages of the unit reuse
# what the earlier ones read.
EXPECTED = Counter({
    ("SELECT", "visitors"): 2,  # the batch's, before recording (membership and the card
                                # find the row in the session); and once more per batch
                                # after dispatch, for the reports' visitor hours (the
                                # dispatch's commit expired the rows; one query per batch)
    ("UPDATE", "visitors"): 1,  # last seen
    ("UPDATE", "visit_sessions"): 1,  # page count, RETURNING it
    ("UPDATE", "page_views"): 1,  # the previous page's time on page
    ("INSERT", "page_views"): 1,
    ("SELECT", "visit_sessions"): 2,  # membership's facts: the visit, the visit count
    ("SELECT", "page_views"): 1,  # membership's facts: the visited URLs (a fresh entry
                                  # needs no "recorded already?" look-up)
    ("SELECT", "users"): 1,  # the card's routed reps' names
})


def test_a_page_view_runs_a_fixed_set_of_statements(app_ctx, visitors, rep_a, statements):
    vid = visitors.visit(PRICING)
    visitors.route(vid, rep_a)
    visitors.visit(PRICING + "?a=1", visitor_id=vid)
    statements.clear()
    visitors.visit(PRICING + "?a=2", visitor_id=vid, title="Second")
    first = Counter(statements)
    assert first == EXPECTED
    # And it does not grow with the visitor's history.
    for n in range(3, 7):
        statements.clear()
        visitors.visit(PRICING + f"?a={n}", visitor_id=vid)
    assert Counter(statements) == EXPECTED


def test_a_claimed_visitors_card_reads_the_chat_line_once(app_ctx, visitors, rep_a,
                                                          statements):
    from liveapp.services.chat import conversations

    vid = visitors.visit(PRICING)
    visitors.route(vid, rep_a)
    conversations.claim(vid, rep_a, "pounce")
    statements.clear()
    visitors.visit(PRICING + "?a=1", visitor_id=vid)
    # One statement: the open conversation with its last message and unread count (its
    # first FROM is the unread count's, on messages).
    assert Counter(statements) == EXPECTED + Counter({("SELECT", "messages"): 1})


def test_a_renamed_experience_shows_on_the_next_card(app_ctx, visitors, rep_a, streams,
                                                     record):
    from liveapp.infra import realtime
    from liveapp.services.membership import live_membership

    shown = experiences.save_experience(
        None, name="Welcome", active=True,
        targeting=[{"kind": "contains", "value": "/pricing", "exclude": False}],
        audience=[], flow=[{"type": "bot_message", "text": "Hi!"}])
    vid = visitors.visit(PRICING)
    assert live_membership.stored(vid).experience_id == shown.id
    visitors.route(vid, rep_a)
    recorder = record(realtime.rep_channel(rep_a.id))
    visitors.visit(PRICING + "?a=1", visitor_id=vid)
    assert any("Welcome" in data for _, _, data in recorder.take())
    experiences.save_experience(
        shown, name="Hello again", active=True,
        targeting=[{"kind": "contains", "value": "/pricing", "exclude": False}],
        audience=[], flow=[{"type": "bot_message", "text": "Hi!"}])
    recorder.take()
    visitors.visit(PRICING + "?a=2", visitor_id=vid)
    cards = [data for _, event_name, data in recorder.take() if event_name == "card"]
    assert cards and "Hello again" in cards[-1] and "Welcome" not in cards[-1]
