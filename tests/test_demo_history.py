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
from liveapp.services import reports
from liveapp.services.reports import Filters, from_rollups, rollup_runs
from liveapp.services.reports.days import local_day


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


def test_one_run_of_the_rollup_job_fills_the_reports_with_the_seeded_weeks(app_ctx):
    seeding.seed()
    seeding.seed_past()
    started = time.perf_counter()
    done = rollup_runs.run()
    took = time.perf_counter() - started
    today = local_day(utcnow(), "UTC")
    filters = Filters(start=today - timedelta(days=20), end=today, tz="UTC")
    assert done["UTC"] >= 21 and took < 60, (done, took)
    for section in reports.SECTIONS:
        assert from_rollups.usable(section, filters), section
        assert ([t.rows for t in reports.report(section, filters)]
                == [t.rows for t in reports.live(section, filters)]), section
    assert sum(r[1] for r in reports.report("visitors", filters)[0].rows) > 0


def test_seeded_into_a_running_install_the_built_days_are_built_again(app_ctx):
    seeding.seed()
    today = local_day(utcnow(), "UTC")
    weeks = Filters(start=today - timedelta(days=20), end=today, tz="UTC")
    rollup_runs.rebuild("UTC", [weeks.start + timedelta(days=d) for d in range(21)])  # empty
    assert from_rollups.usable("visitors", weeks)
    seeding.seed_past()
    assert rollup_runs.built("UTC", weeks.start, today - timedelta(days=2)) == set()
    assert not from_rollups.usable("visitors", weeks)  # read live until the job runs
    rollup_runs.run()
    assert from_rollups.usable("visitors", weeks)
    assert ([t.rows for t in reports.report("visitors", weeks)]
            == [t.rows for t in reports.live("visitors", weeks)])
