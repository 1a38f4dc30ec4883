"""Retention: what is older than LIVEAPP_RETENTION_DAYS goes, in batches; the rest stays."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from liveapp.models.user import utcnow

NOW = utcnow().replace(microsecond=0)


def _count(model, **where) -> int:
    from liveapp.extensions import db

    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.session.scalar(query)


@pytest.fixture
def days(app):
    before = app.config["RETENTION_DAYS"]
    app.config["RETENTION_DAYS"] = 180
    yield 180
    app.config["RETENTION_DAYS"] = before


def test_deletes_exactly_what_is_older_than_the_cut_off(history, days, caplog):
    from liveapp.extensions import db
    from liveapp.models import (
        Conversation,
        Meeting,
        Message,
        OfflineMessage,
        PageView,
        VisitSession,
        offline_message_reps,
    )
    from liveapp.models.history import Offer, RoutingRecord, RoutingSkip, VisitorHour
    from liveapp.services.ops import retention

    # A second past the cut-off, a second inside it, and an open chat from long ago.
    old = history(NOW - timedelta(days=days, seconds=1))
    kept = history(NOW - timedelta(days=days) + timedelta(seconds=1))
    still_open = history(NOW - timedelta(days=400), closed=False)
    with caplog.at_level("INFO", logger="liveapp.audit"):
        counts = retention.delete_expired(now=NOW, batch=2)
    # The open chat's old page view, visit and offline message go too; the chat stays.
    # A visitor hour goes once the whole hour is older.
    cut = NOW - timedelta(days=days)
    old_hour_over = old.first_seen.replace(minute=0, second=0) + timedelta(hours=1) <= cut
    assert counts == {"page_views": 2, "visit_sessions": 2, "conversations": 1,
                      "offline_messages": 2, "offers": 2, "routing_decisions": 2,
                      "visitor_hours": 1 + old_hour_over, "report_days": 0}
    for model in (Offer, RoutingRecord, VisitorHour):
        assert _count(model, visitor_id=old.id) == (
            0 if model is not VisitorHour else int(not old_hour_over))
        assert _count(model, visitor_id=kept.id) == 1
    assert _count(RoutingSkip) == 1  # the kept decision's
    assert _count(PageView, visitor_id=old.id) == 0
    assert _count(VisitSession, visitor_id=old.id) == 0
    assert _count(Conversation, visitor_id=old.id) == 0
    assert _count(PageView, visitor_id=kept.id) == 1
    assert _count(VisitSession, visitor_id=kept.id) == 1
    assert _count(Conversation, visitor_id=kept.id) == 1
    assert _count(Conversation, visitor_id=still_open.id) == 1
    assert _count(Message) == 2  # the kept and the open conversations'
    assert _count(OfflineMessage, visitor_id=old.id) == 0
    assert _count(OfflineMessage, visitor_id=still_open.id) == 0
    assert _count(OfflineMessage, visitor_id=kept.id) == 1
    assert db.session.scalar(select(func.count()).select_from(offline_message_reps)) == 1
    # The visitors and the meetings booked stay (a sales record, not a visit's trail).
    assert _count(Meeting) == 3
    [line] = [r.getMessage() for r in caplog.records if r.name == "liveapp.audit"]
    assert "2 page_views" in line and old.id not in line


def test_works_in_batches_until_nothing_is_left(history, days):
    from liveapp.models import Conversation, PageView
    from liveapp.services.ops import retention

    for n in range(5):
        history(NOW - timedelta(days=days + 1 + n))
    assert retention.delete_expired(now=NOW, batch=2) == {
        "page_views": 5, "visit_sessions": 5, "conversations": 5, "offline_messages": 5,
        "offers": 5, "routing_decisions": 5, "visitor_hours": 5, "report_days": 0}
    assert _count(PageView) == _count(Conversation) == 0
    assert retention.delete_expired(now=NOW, batch=2) == dict.fromkeys((
        "page_views", "visit_sessions", "conversations", "offline_messages", "offers",
        "routing_decisions", "visitor_hours", "report_days"), 0)


def test_the_days_come_from_the_configuration(history, app):
    from liveapp.models import PageView
    from liveapp.services.ops import retention

    history(NOW - timedelta(days=10))
    app.config["RETENTION_DAYS"], before = 30, app.config["RETENTION_DAYS"]
    try:
        assert retention.delete_expired(now=NOW)["page_views"] == 0
        app.config["RETENTION_DAYS"] = 7
        assert retention.delete_expired(now=NOW)["page_views"] == 1
    finally:
        app.config["RETENTION_DAYS"] = before
    assert _count(PageView) == 0


def test_the_clock_enqueues_the_job_and_a_worker_runs_it(history, days, jobs_in_test_app):
    from jobs.clock import tasks_for
    from liveapp.extensions import queue, redis
    from liveapp.models import PageView
    from tests.rq_workers import SimpleWorker

    history(utcnow() - timedelta(days=days + 1))
    [task] = [t for t in tasks_for(app_config()) if t.name == "retention"]
    assert task.every == 3600
    task.run()
    SimpleWorker([queue("low")], connection=redis.client, serializer="json").work(
        burst=True, max_jobs=1)
    assert _count(PageView) == 0


def test_the_clock_enqueues_one_run_at_a_time(app_ctx):
    from jobs.retention import enqueue_retention
    from liveapp.extensions import queue

    enqueue_retention()
    enqueue_retention()  # the first still waits
    assert len(queue("low").job_ids) == 1


def test_retention_days_must_be_a_whole_number(monkeypatch, tmp_path):
    from liveapp.config import from_environment

    monkeypatch.setenv("LIVEAPP_RETENTION_DAYS", "soon")
    with pytest.raises(ValueError, match="LIVEAPP_RETENTION_DAYS"):
        from_environment(tmp_path)
    monkeypatch.setenv("LIVEAPP_RETENTION_DAYS", "30")
    assert from_environment(tmp_path)["RETENTION_DAYS"] == 30


def app_config():
    from flask import current_app

    return current_app.config


# Tables holding what visitors did or wrote, by retention's choice: deleted past the
# cut-off (with their children), or kept on purpose.
DELETED = {"page_views", "visit_sessions", "conversations", "messages", "offline_messages",
           "offline_message_reps",
           # the reports' history (liveapp/models/history.py)
           "routing_decisions", "routing_skips", "offers", "visitor_hours"}
KEPT = {"visitors",  # who they are: the board and erasure find them; their trail goes
        "meetings"}  # a meeting booked is the sales team's record, not a visit's trail


def test_every_table_about_visitors_is_deleted_or_kept_on_purpose(app_ctx):
    """A new table naming visitors (or their conversations, visits, offline messages)
    must be added to retention or kept on purpose here."""
    from liveapp.extensions import db

    about = {"visitors"}
    for _ in range(3):  # children of children
        about |= {table.name for table in db.metadata.sorted_tables
                  if any(fk.column.table.name in about for fk in table.foreign_keys)}
    assert about == DELETED | KEPT


def test_the_reports_daily_rollups_of_days_before_the_cut_off_go(app_ctx, days):
    from liveapp.extensions import db
    from liveapp.models.report_days import (
        ROLLUPS,
        GroupDayBuilt,
        GroupVisitorDay,
        ReportDayBuilt,
        RepVisitorDay,
        VisitorDay,
    )
    from liveapp.services.ops import retention

    cut = (NOW - timedelta(days=days)).date()
    for day in (cut - timedelta(days=1), cut):
        for model, owner in ((VisitorDay, {}), (RepVisitorDay, {"rep_id": 7}),
                             (GroupVisitorDay, {"group_id": 3})):
            db.session.add(model(zone="UTC", day=day, site_id=1, stream_id=-1, visitors=2,
                                 identified=1, target=0, **owner))
        db.session.add(GroupDayBuilt(zone="UTC", day=day, group_id=3, members="digest"))
        db.session.add(ReportDayBuilt(zone="UTC", day=day, built_at=NOW))
    db.session.commit()
    db.session.add(ReportDayBuilt(zone="UTC", day=cut + timedelta(days=2), built_at=NOW))
    db.session.commit()
    assert retention.delete_expired(now=NOW)["report_days"] == 5
    # The cut-off's day (and the next, a day in zones ahead of UTC) lost some history:
    # no longer built, the job builds them again; a later day stays built.
    for model in ROLLUPS:
        assert db.session.scalars(select(model.day)).all() == [], model
    assert db.session.scalars(select(ReportDayBuilt.day)).all() == [cut + timedelta(days=2)]

