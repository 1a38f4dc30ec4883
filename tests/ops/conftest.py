"""Fixtures for ops tests: the events API's (a site, a client posting events), and
visitors with a history: visits, page views, conversations with messages, meetings."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest

from tests.tracking.conftest import api, site  # noqa: F401


@pytest.fixture
def history(app_ctx, make_user):
    """history(at=..., email=..., closed=True) -> a visitor whose visit (ended), page
    view, conversation (closed, with a message), offline message (for a rep), meeting and
    reports' history (a routing decision with a skip, an offer, a visitor hour) all
    happened at `at` (naive UTC)."""
    from liveapp.extensions import db
    from liveapp.models import (
        Conversation,
        Meeting,
        Message,
        OfflineMessage,
        PageView,
        Visitor,
        VisitSession,
    )
    from liveapp.models.history import Offer, RoutingRecord, RoutingSkip, VisitorHour
    from liveapp.services.settings import sites

    example = sites.save_site(None, name="Example",
                              allowed_origins=["https://www.example.com"])
    rep = make_user(role="rep", email=f"rep-{uuid.uuid4().hex[:6]}@example.com")

    def make(at: datetime, email: str | None = None, closed: bool = True) -> Visitor:
        visitor = Visitor(id=str(uuid.uuid4()), site_id=example.id, email=email,
                          first_seen=at, last_seen=at)
        visit = VisitSession(visitor=visitor, started_at=at, ended_at=at,
                             landing_url="https://www.example.com/")
        db.session.add_all([visitor, visit])
        db.session.flush()
        db.session.add(PageView(visitor_id=visitor.id, session_id=visit.id, at=at,
                                url="https://www.example.com/pricing"))
        conversation = Conversation(visitor=visitor, rep_id=rep.id, origin="pounce",
                                    started_at=at, status="closed" if closed else "open",
                                    closed_at=at if closed else None)
        conversation.messages.append(Message(sender="visitor", body="hello", sent_at=at))
        db.session.add_all([conversation, Meeting(visitor=visitor, rep_id=rep.id,
                                                  starts_at=at, ends_at=at, email=email),
                            OfflineMessage(visitor=visitor, email=email or "left@example.com",
                                           body="call me", created_at=at, reps=[rep])])
        # The reports' history: a decision (skipping the rep), its offer, the hour.
        decision = RoutingRecord(decided_at=at, visitor_id=visitor.id, site_id=example.id,
                                 trigger="inbound", outcome="group")
        db.session.add(decision)
        db.session.flush()
        db.session.add_all([
            RoutingSkip(decision_id=decision.id, decided_at=at, rep_id=rep.id, reason="away"),
            Offer(offer_key=uuid.uuid4().hex, decision_id=decision.id, visitor_id=visitor.id,
                  rep_id=rep.id, trigger="inbound", offered_at=at, outcome="timeout"),
            VisitorHour(hour=at.replace(minute=0, second=0, microsecond=0),
                        site_id=example.id, visitor_id=visitor.id)])
        db.session.commit()
        return visitor

    return make


@pytest.fixture
def jobs_in_test_app(app, monkeypatch):
    """Jobs run inside the test app (jobs.get_app() would build one from the environment)."""
    import os

    import jobs

    monkeypatch.setattr(jobs, "_app", app)
    monkeypatch.setattr(jobs, "_app_pid", os.getpid())
