"""A returning visitor goes first to the rep who chatted with them last (within the
rule's days), with a real routing job reading their conversations; an old chat, or a
rule without the step, routes as before."""

from __future__ import annotations

from datetime import timedelta

from liveapp.extensions import db
from liveapp.models import Conversation
from liveapp.models.user import utcnow
from liveapp.services.bus import changes
from liveapp.services.chat import conversations
from liveapp.services.routing import assignments, router
from tests.clock import at_each_instant
from tests.routing_jobs.conftest import work

pytestmark = at_each_instant  # reads the wall clock: see tests/clock.py


def _chatted_before(visitor_id, rep, days_ago: float) -> None:
    conversation = conversations.claim(visitor_id, rep, "pounce")
    conversations.close(conversation)
    db.session.get(Conversation, conversation.id).started_at = utcnow() - timedelta(days=days_ago)
    db.session.commit()


def test_a_returning_visitor_is_offered_to_the_rep_they_chatted_with(
        job_app, visit, make_rep, make_rule):
    ann, bob = make_rep(name="Ann Rep"), make_rep(name="Bob Rep")
    rule = make_rule([bob], last_chatted_days=30)
    returning, old_friend, new = visit(), visit(), visit()
    _chatted_before(returning, ann, 3)
    _chatted_before(old_friend, ann, 45)
    for vid in (returning, old_friend, new):
        router.request_inbound(vid)
    work()
    first = assignments.get(returning)
    assert first.offered_to == [ann.id]
    assert f"last chatted rep {ann.name} is available → {ann.name}" in first.explanation
    assert assignments.get(old_friend).offered_to == [bob.id]
    assert "the last chat was 45 days ago, more than 30" in \
        assignments.get(old_friend).explanation
    assert assignments.get(new).offered_to == [bob.id]
    assert "no earlier chat with this visitor" in assignments.get(new).explanation

    # Without the step (saved: routing reloads its rules), a returning visitor goes where
    # the rule says.
    rule.last_chatted_days = None
    db.session.commit()
    changes.settings_changed("routing")
    other = visit()
    _chatted_before(other, ann, 1)
    router.request_inbound(other)
    work()
    assert assignments.get(other).offered_to == [bob.id]
