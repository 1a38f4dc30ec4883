"""The demo's seeded history (issue 19): three weeks of visitor hours, routing decisions
with skips, offers of every outcome, chats with messages and meetings, in bulk, fast,
and once however often the demo restarts."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import func, select

from liveapp.demo import history, seeding
from liveapp.extensions import db
from liveapp.models import Conversation, Meeting, Message, Visitor
from liveapp.models.history import Offer, RoutingRecord, RoutingSkip, VisitorHour
from liveapp.models.user import utcnow


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_three_weeks_seeded_fast_and_once(app_ctx):
    seeding.seed()
    started = time.perf_counter()
    seeded = seeding.seed_past()
    took = time.perf_counter() - started
    assert seeded > 500 and took < 5, took
    counts = {m.__tablename__: count(m) for m in (
        Visitor, VisitorHour, RoutingRecord, RoutingSkip, Offer, Conversation, Message,
        Meeting)}
    assert all(counts.values()), counts
    outcomes = set(db.session.scalars(select(Offer.outcome).distinct()))
    assert {"accepted", "declined", "timeout", "taken"} <= outcomes
    decided = set(db.session.scalars(select(RoutingRecord.outcome).distinct()))
    assert {"owner", "sender", "group", "booker"} <= decided
    oldest = db.session.scalar(select(func.min(VisitorHour.hour)))
    assert oldest < utcnow() - timedelta(days=19)
    assert all(v.traits == {"demo": "history"} for v in db.session.scalars(select(Visitor)))
    assert seeding.seed_past() == 0 and history.seeded()  # a restart adds nothing
    assert count(VisitorHour) == counts["visitor_hours"]
