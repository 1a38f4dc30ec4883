"""The rollup job: which days a run builds per zone, a rebuild replacing a day's rows, a
zone asked for by the page backfilled, and the work bounded per run."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select

from jobs.clock import tasks_for
from jobs.reports import build_report_days
from liveapp.extensions import db, redis
from liveapp.models.history import VisitorHour
from liveapp.models.report_days import ReportDayBuilt, VisitorDay
from liveapp.services.reports import from_rollups, rollup, rollup_runs
from tests.reports.conftest import END, START, TZ, at

NOW = datetime(2026, 4, 2, 12, 0)  # the history's last day is 2026-03-29


def _built(zone: str) -> list[date]:
    return sorted(db.session.scalars(select(ReportDayBuilt.day)
                                     .where(ReportDayBuilt.zone == zone)))


def test_a_run_builds_today_yesterday_then_missing_days_newest_first(world):
    wanted = rollup_runs.days_to_build(TZ, NOW, at("27 22:00"), 180, backfill=3)
    assert wanted == [date(2026, 4, 2), date(2026, 4, 1), date(2026, 3, 31),
                      date(2026, 3, 30), date(2026, 3, 29)]
    rollup_runs.rebuild(TZ, wanted)
    # The next run: today and yesterday again, then on where the last one stopped.
    assert rollup_runs.days_to_build(TZ, NOW, at("27 22:00"), 180, backfill=3) == [
        date(2026, 4, 2), date(2026, 4, 1), date(2026, 3, 28), date(2026, 3, 27)]


def test_the_backfill_stops_at_the_retention_period(world):
    wanted = rollup_runs.days_to_build("UTC", NOW, datetime(2025, 1, 1), 3, backfill=31)
    assert wanted == [date(2026, 4, 2), date(2026, 4, 1), date(2026, 3, 31),
                      date(2026, 3, 30)]
    assert rollup_runs.days_to_build("UTC", NOW, None, 180, backfill=31) == wanted[:2]


def test_a_rebuild_replaces_the_days_rows(world):
    rollup_runs.rebuild(TZ, [START, END])
    rows = db.session.scalar(select(func.count()).select_from(VisitorDay))
    db.session.add(VisitorHour(visitor_id="v4", site_id=world.s2, hour=at("28 12:00"),
                               stream_id=world.b))
    db.session.commit()
    per_day = world.filters()
    before = from_rollups.section("visitors", per_day)[0].rows
    rollup_runs.rebuild(TZ, [START])
    after = from_rollups.section("visitors", per_day)[0].rows
    assert before[0][1] + 1 == after[0][1] and before[1] == after[1]
    # v4 on the 28th: stream B and any stream, one new row each, nothing doubled
    assert db.session.scalar(select(func.count()).select_from(VisitorDay)) == rows + 2
    assert _built(TZ) == [START, END]


def test_a_run_builds_utc_every_users_zone_and_a_zone_the_page_asked_for(world, app):
    world.bob.time_zone = "America/New_York"
    db.session.commit()
    redis.client.delete(rollup_runs.asked_key())
    assert not from_rollups.usable("visitors", world.filters(tz="Asia/Tokyo"))
    done = rollup_runs.run(now=NOW, backfill=2)
    assert {"UTC", "America/New_York", "Asia/Tokyo"} <= set(done)
    assert all(n == 4 for n in done.values())  # bounded: today, yesterday, two more
    assert _built("Asia/Tokyo") == [date(2026, 3, 30), date(2026, 3, 31), date(2026, 4, 1),
                                    date(2026, 4, 2)]
    rollup_runs.run(now=NOW, backfill=2)
    assert _built("Asia/Tokyo")[0] == date(2026, 3, 28)
    rollup_runs.run(now=NOW, backfill=2)  # back to the oldest history's day, and no further
    assert _built("Asia/Tokyo")[0] == date(2026, 3, 28)
    assert from_rollups.usable("visitors", world.filters(tz="Asia/Tokyo"))


def test_the_clock_runs_the_job_every_reports_every_seconds(app):
    [task] = [t for t in tasks_for(app.config) if t.name == "report-days"]
    assert task.every == app.config["REPORTS_EVERY"] == 60.0


def test_the_job_runs_the_build_on_the_low_queue_once_at_a_time(world, app):
    policy = build_report_days.policy
    assert policy.queue == "low" and policy.options(app.config)["job_timeout"] == 300


def _rows(tables) -> dict[str, list]:
    return {t.key: t.rows for t in tables}


def test_a_groups_visitors_read_live_from_a_change_of_members_until_the_job_rebuilds(world):
    """A group's rows count the members it had when its days were built: once they change
    (a group saved, a user's groups changed) its visitors read the history with the
    members now, until the job has rebuilt its days' group rows."""
    from liveapp.models import Group
    from liveapp.services import reports
    from liveapp.services.settings.users import save_group, update_user

    rollup_runs.rebuild(TZ, [START, END])
    two = world.filters(group_id=world.g2)
    alice_and_bob = _rows(reports.report("visitors", two))
    assert from_rollups.usable("visitors", two)
    group = db.session.get(Group, world.g2)
    save_group(group, name=group.name, members=[world.bob, world.admin])
    assert not from_rollups.usable("visitors", two)
    assert from_rollups.usable("reps", two) and from_rollups.usable("visitors", world.filters())
    bobs = _rows(reports.report("visitors", world.filters(rep_id=world.bob.id)))
    assert _rows(reports.report("visitors", two)) == bobs != alice_and_bob  # Ada had none
    members = rollup.group_members_now()
    assert rollup_runs.groups_to_build(TZ, members, 31) == [END, START]
    assert rollup_runs.groups_to_build(TZ, members, 1) == [END]
    rollup_runs.run(now=NOW)
    assert rollup_runs.groups_to_build(TZ, rollup.group_members_now(), 31) == []
    assert from_rollups.usable("visitors", two)
    assert _rows(from_rollups.section("visitors", two)) == bobs
    update_user(world.alice, email=world.alice.email, name="Alice", role="rep",
                groups=[db.session.get(Group, world.g1), group])
    assert not from_rollups.usable("visitors", two)
    assert _rows(reports.report("visitors", two)) == alice_and_bob  # Ada still had none
    rollup_runs.run(now=NOW)
    assert from_rollups.usable("visitors", two)
    assert _rows(from_rollups.section("visitors", two)) == alice_and_bob


def test_a_rebuild_of_a_days_groups_leaves_its_other_rows(world):
    rollup_runs.rebuild(TZ, [START])
    rows = db.session.scalar(select(func.count()).select_from(VisitorDay))
    built_at = db.session.scalar(select(ReportDayBuilt.built_at))
    assert rollup.rebuild_groups(TZ, START) > 0
    assert db.session.scalar(select(func.count()).select_from(VisitorDay)) == rows
    assert db.session.scalar(select(ReportDayBuilt.built_at)) == built_at
