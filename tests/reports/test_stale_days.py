"""Late writes about older days: a first reply in a long chat, an old offer answered, a
transfer of an old chat, a meeting booked for an old chat, a late batch of visitor hours,
an erasure. Each unbuilds the days it changes at once (the page reads them live, with
the new figures), and the job's next run builds them again with the same figures."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from liveapp.domain.routing import RoutingDecision
from liveapp.extensions import db
from liveapp.models import Conversation, Meeting, Visitor
from liveapp.models.history import Offer, RoutingRecord
from liveapp.models.report_days import ROLLUPS, ChatDay, RepDay, ReportDayBuilt, VisitorDay
from liveapp.models.user import utcnow
from liveapp.services import reports
from liveapp.services.chat import conversations
from liveapp.services.ops import erasure
from liveapp.services.reports import Filters, from_rollups, rollup_runs, stale
from liveapp.services.reports.days import days
from liveapp.services.routing import records
from liveapp.services.tracking import visitor_hours
from liveapp.services.tracking.pipeline import Entry
from tests.meetings.conftest import at_booker, widget  # noqa: F401  (booker fixtures)
from tests.reports.conftest import END, START, TZ, at
from tests.tracking.conftest import api, site  # noqa: F401  (events API fixtures)
from tests.transfers.conftest import (  # noqa: F401  (transfer fixtures)
    chatting,
    job_app,
    make_rep,
    signed_in,
    team,
    visit,
)
from tests.visitor_ids import VisitorId

NOW = datetime(2026, 4, 2, 12, 0)  # the job's clock for the hand-built history (March)
ZONES = (TZ, "UTC")
HX = {"HX-Request": "true"}


def _build_world() -> None:
    for zone in ZONES:
        rollup_runs.rebuild(zone, days(date(2026, 3, 26), date(2026, 4, 2)))


def _rows(tables) -> dict:
    return {t.key: (t.columns, t.rows) for t in tables}


def _unbuilt(zone: str, first: date, last: date) -> set[date]:
    return set(days(first, last)) - rollup_runs.built(zone, first, last)


def _live_until_the_job_runs(filters: Filters, sections, run) -> dict:
    """The sections right after the late write: read live (none usable), the report
    giving the live figures; then after `run()` from the rollups again, the same."""
    live = {s: _rows(reports.live(s, filters)) for s in sections}
    for section in sections:
        assert not from_rollups.usable(section, filters), section
        assert _rows(reports.report(section, filters)) == live[section], section
    run()
    for section in sections:
        assert from_rollups.usable(section, filters), section
        assert _rows(from_rollups.section(section, filters)) == live[section], section
    return live


def _world_run() -> None:
    rollup_runs.run(now=NOW)


# ------------------------------------------------------------------ hand-built history


def test_a_first_reply_in_a_chat_started_days_ago(world):
    _build_world()
    filters = world.filters()
    before = _rows(from_rollups.section("conversations", filters))
    chat = db.session.scalar(select(Conversation).where(Conversation.status == "open"))
    conversations.post(chat, "rep", "Sorry for the wait", rep=world.bob)  # v2's, day 29
    assert {d for d in _unbuilt(TZ, date(2026, 3, 26), date(2026, 4, 2))} == {
        date(2026, 3, 28), date(2026, 3, 29), date(2026, 3, 30)}  # its UTC day +-1
    assert db.session.scalar(select(func.count()).select_from(ChatDay).where(
        ChatDay.day == date(2026, 3, 29))) == 0  # its rows go with the mark
    live = _live_until_the_job_runs(filters, ["conversations"], _world_run)
    answered = dict((r[0], r[1]) for r in live["conversations"]["first_response"][1])
    was = dict((r[0], r[1]) for r in before["first_response"][1])
    assert answered["inbound"] == was["inbound"] + 1


@pytest.mark.parametrize("answer", ["declined", "timeout", "accepted"])
def test_an_offer_open_since_an_older_day_answered_now(world, answer):
    decision = db.session.scalar(select(RoutingRecord).where(
        RoutingRecord.decided_at == at("29 12:30")))
    db.session.add(Offer(offer_key="late", decision_id=decision.id, visitor_id="v4",
                         rep_id=world.alice.id, trigger="inbound", offered_at=at("29 12:30"),
                         outcome="open"))
    db.session.commit()
    _build_world()
    if answer == "declined":
        records.declined("v4", world.alice.id, time.time())
    elif answer == "timeout":
        records.timed_out("v4", "late", time.time())
    else:
        records.mark_accepted("v4", world.alice.id, utcnow())
        db.session.commit()
    assert date(2026, 3, 29) in _unbuilt(TZ, START, END)
    live = _live_until_the_job_runs(world.filters(), ["reps"], _world_run)
    assert live  # the reps' table counts the answer on the offer's day
    row = db.session.scalar(select(RepDay).where(
        RepDay.zone == TZ, RepDay.day == date(2026, 3, 29), RepDay.rep_id == world.alice.id))
    assert {"declined": row.declines, "timeout": row.timeouts - 1,
            "accepted": row.accepts}[answer] == 1


def test_a_decision_applied_days_late(world):
    """A routing backlog: the decision is stamped with its event's time, days ago."""
    _build_world()
    before = _rows(from_rollups.section("routing", world.filters()))["decisions_per_rule"]
    late = RoutingDecision(outcome="offer", rule_id=world.r1, rule_name="Rule One",
                           step="route_to", offer_to=(world.bob.id,),
                           skipped=((world.alice.id, "away"),))
    records.decision_applied("v4", late, "inbound", at("29 15:00").replace(
        tzinfo=UTC).timestamp(), "late", [world.bob.id])
    assert date(2026, 3, 29) in _unbuilt(TZ, START, END)
    live = _live_until_the_job_runs(world.filters(), ["routing", "reps"], _world_run)
    decided = live["routing"]["decisions_per_rule"][1]
    assert sum(r[-1] for r in decided) == sum(r[-1] for r in before[1]) + 1


def test_an_offer_answered_within_hours_unbuilds_nothing(world):
    _build_world()
    recent = utcnow() - timedelta(hours=11)
    assert stale.mark_stale([recent, None]) == set()
    assert stale.mark_stale([recent - timedelta(hours=2)]) == {
        (recent - timedelta(hours=2)).date()}


def test_erasing_a_visitor_counts_their_days_again(world):
    _build_world()
    filters = world.filters(start=date(2026, 3, 27), end=date(2026, 3, 31))
    before = {s: _rows(from_rollups.section(s, filters)) for s in reports.SECTIONS}
    erasure.erase_visitor("v4", by="test")
    live = _live_until_the_job_runs(filters, reports.SECTIONS, _world_run)
    assert live != before  # v4's hours, decisions, offers, chat and meeting are gone
    assert live["visitors"]["visitors_per_day"][1][2][1] == \
        before["visitors"]["visitors_per_day"][1][2][1] - 1  # the 29th


def test_erasing_an_email_counts_the_chats_its_meetings_ended_in_again(world):
    """A meeting booked with the email by another visitor goes too: that visitor's chat
    no longer ended in a meeting, on the chat's day."""
    db.session.get(Visitor, "v3").email = "vee@example.com"
    db.session.add(Meeting(visitor_id="v1", rep_id=world.alice.id, email="Vee@example.com",
                           created_at=at("28 23:00"), status="booked",
                           starts_at=at("31 13:00"), ends_at=at("31 13:30")))
    db.session.commit()
    _build_world()
    filters = world.filters()
    before = _rows(from_rollups.section("conversations", filters))
    erasure.erase_email("vee@example.com", by="test")
    live = _live_until_the_job_runs(filters, ["conversations"], _world_run)
    met = {r[0]: r[2] for r in live["conversations"]["chats_with_meeting"][1]}
    was = {r[0]: r[2] for r in before["chats_with_meeting"][1]}
    assert met["pounce"] == was["pounce"] - 1  # v1's pounce chat of the 28th


def test_erasing_the_oldest_history_leaves_no_rows_before_the_new_oldest(world):
    _build_world()
    erasure.erase_visitor("vout", by="test")  # its hour is the oldest (27 22:00)
    erasure.erase_visitor("v2", by="test")  # with its chat of 27 22:00
    oldest = rollup_runs.oldest_history()
    assert oldest == at("27 23:00")
    # The days before the new oldest count as built and empty: no stale rows remain.
    filters = world.filters(tz="UTC", start=date(2026, 3, 26), end=date(2026, 3, 26))
    assert from_rollups.usable("visitors", filters)
    assert _rows(from_rollups.section("visitors", filters)) == _rows(
        reports.live("visitors", filters))
    for model in ROLLUPS:
        assert not db.session.scalar(select(func.count()).select_from(model).where(
            model.day <= date(2026, 3, 28)))


# ------------------------------------------------------------------ today's clock


def _days_ago(n: int) -> datetime:
    return utcnow() - timedelta(days=n)


def _build_recent(zone: str = "UTC") -> None:
    today = utcnow().date()
    rollup_runs.rebuild(zone, days(today - timedelta(days=5), today))


def _recent_filters(n: int = 5) -> Filters:
    today = utcnow().date()
    return Filters(start=today - timedelta(days=n), end=today, tz="UTC")


def test_a_meeting_booked_now_for_a_chat_started_days_ago(widget, at_booker, rep, app_ctx):  # noqa: F811
    vid, token = at_booker(rep)
    db.session.add(Conversation(visitor_id=vid, rep_id=rep.id, origin="inbound",
                                started_at=_days_ago(3), closed_at=utcnow() - timedelta(hours=2),
                                status="closed"))
    db.session.add(Conversation(visitor_id=vid, rep_id=rep.id, origin="pounce",
                                started_at=_days_ago(6), closed_at=_days_ago(6),
                                status="closed"))  # closed over 24 h before: not counted
    db.session.commit()
    _build_recent()
    rollup_runs.rebuild("UTC", [_days_ago(7).date()])
    day = _days_ago(3).date()
    assert db.session.scalar(select(ChatDay.with_meeting).where(ChatDay.day == day)) == 0
    start = widget.slots(token).get_json()["slots"][0]
    assert widget.book(token, start=start, email="vi@example.com").status_code == 201
    assert day in _unbuilt("UTC", day, day)
    assert rollup_runs.built("UTC", _days_ago(7).date(), _days_ago(5).date()) == {
        _days_ago(7).date(), _days_ago(5).date()}  # the older chat's days stay built
    _live_until_the_job_runs(_recent_filters(7), ["conversations"], rollup_runs.run)
    assert db.session.scalar(select(ChatDay.with_meeting).where(ChatDay.day == day)) == 1


def test_a_chat_started_days_ago_handed_to_another_rep(job_app, chatting, team,  # noqa: F811
                                                       signed_in):  # noqa: F811
    ann, bob = team["Ann"], team["Bob"]
    _, cid, ann_client = chatting()
    db.session.execute(text("UPDATE conversations SET started_at = :at WHERE id = :id"),
                       {"at": _days_ago(3), "id": cid})
    db.session.commit()
    _build_recent()
    day = _days_ago(3).date()
    assert ann_client.post(f"/transfers/{cid}", data={"to": f"rep:{bob.id}"},
                           headers=HX).status_code == 201
    assert rollup_runs.built("UTC", day, day) == {day}  # asking to hand it over changes nothing
    assert signed_in(bob).post(f"/transfers/{cid}/accept", headers=HX).status_code == 201
    assert day in _unbuilt("UTC", day, day)
    _live_until_the_job_runs(_recent_filters(), ["reps", "conversations"], rollup_runs.run)
    assert db.session.scalars(select(ChatDay.rep_id).where(ChatDay.zone == "UTC",
                                                           ChatDay.day == day)).all() == [bob.id]
    assert ann.id not in db.session.scalars(select(RepDay.rep_id).where(
        RepDay.zone == "UTC", RepDay.day == day, RepDay.chats > 0)).all()


def test_a_batch_of_visitor_hours_processed_days_late(api, app_ctx):  # noqa: F811
    vid = VisitorId()
    assert api.send(visitor_id=vid).status_code == 202  # here now, in the site's hours
    _build_recent()
    then = _days_ago(3)
    day = then.date()
    assert not db.session.scalar(select(func.count()).select_from(VisitorDay).where(
        VisitorDay.day == day))
    late = Entry(entry_id="1-0", event_id="e1", visitor_id=vid, type="page", before="",
                 state="active", url="", data={"at": str(then.replace(tzinfo=UTC).timestamp())})
    assert visitor_hours.record([late]) == 1
    assert day in _unbuilt("UTC", day, day)
    _live_until_the_job_runs(_recent_filters(), ["visitors"], rollup_runs.run)
    assert db.session.scalar(select(VisitorDay.visitors).where(
        VisitorDay.day == day, VisitorDay.stream_id == -1)) == 1


# ------------------------------------------------------------------ builds and late writes


def test_a_build_holds_late_writes_until_it_commits(world):
    """A build's reads and its commit hold late writes back: PostgreSQL's shared lock
    is not granted to another connection meanwhile; SQLite's write lock is taken (for a
    day older than yesterday: today and yesterday are built again every run)."""
    stale.hold_for_build(TZ, START)
    with db.engine.connect() as other:
        if db.engine.dialect.name == "postgresql":
            take = select(func.pg_try_advisory_xact_lock_shared(stale.LOCK))
            assert other.scalar(take) is False
            db.session.commit()
            assert other.scalar(take) is True
        else:
            other.exec_driver_sql("PRAGMA busy_timeout=0")
            try:
                with pytest.raises(Exception, match="locked"):
                    other.execute(ReportDayBuilt.__table__.delete())
                other.rollback()
                db.session.commit()
                stale.hold_for_build("UTC", utcnow().date())  # today's build: writes go on
                other.execute(ReportDayBuilt.__table__.delete())
                db.session.commit()
            finally:
                # Not back to the pool without its busy timeout: the session's next user
                # of this connection would answer "database is locked" at once.
                other.invalidate()
        other.rollback()
