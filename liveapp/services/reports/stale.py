"""Days of the reports' rollups that a late write makes stale.

The rollup job (rollup_runs.py) rebuilds today and yesterday every run, so a write about now
needs nothing. A write about an older instant (a meeting booked for a chat started days
ago, a first reply in a long chat, an old offer answered, a transfer of an old chat, an
erasure, retention cutting a day) calls `mark_stale` in its own transaction: the days the
instants fall on, in every zone, lose their rows and their ReportDayBuilt mark. The page
then counts those days live (the right figures at once), and the job's backfill, which
builds the days not built, builds them again on its next run.

Writes and builds do not interleave: a build holds `hold_for_build` from before it reads
the history until it commits, and `mark_stale` waits for it (else a build that read the
history before a late write committed would mark the day built without it).
PostgreSQL: an advisory lock, exclusive for a build and shared for the late writes (they
do not wait for each other, and other writes never wait). SQLite has one write lock for
every write, which a build takes first only for a day older than yesterday (a backfill:
rare, and the job builds it once); today and yesterday are built again every run.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, or_, select

from liveapp.extensions import db
from liveapp.models.conversation import Conversation, Message
from liveapp.models.history import Offer, RoutingRecord, VisitorHour
from liveapp.models.meeting import Meeting
from liveapp.models.report_days import ROLLUPS, ReportDayBuilt
from liveapp.models.user import utcnow
from liveapp.services.reports.conversations import MEETING_WITHIN_HOURS, booked_after
from liveapp.services.reports.days import local_day

# An instant this recent is in today or yesterday in every zone, and still will be when
# the job next runs (a day starts at most 23 h before its next one): it rebuilds them.
RECENT = timedelta(hours=12)
LOCK = 0x1919_0001  # the advisory lock's key (PostgreSQL)


def mark_stale(instants: Iterable[datetime | None], now: datetime | None = None) -> set[date]:
    """Unmark (and empty) the days of every zone that the instants (naive UTC; None is
    skipped) may fall on, in the caller's transaction (not committed here); returns the
    UTC dates considered. A local day of any zone is its instant's UTC date +-1."""
    since = (now or utcnow()) - RECENT
    dates = {i.date() for i in instants if i is not None and i < since}
    days = {d + timedelta(days=n) for d in dates for n in (-1, 0, 1)}
    if not days:
        return set()
    _lock(shared=True)
    zones = list(db.session.scalars(select(ReportDayBuilt.zone).distinct()
                                    .where(ReportDayBuilt.day.in_(days))))
    if zones:
        for model in (*ROLLUPS, ReportDayBuilt):
            db.session.execute(delete(model).where(model.zone.in_(zones), model.day.in_(days)),
                               execution_options={"synchronize_session": False})
    return dates


def hold_for_build(zone: str, day: date, now: datetime | None = None) -> None:
    """A build's first statement: no late write commits between its reads and its
    commit (mark_stale waits until then, and then unmarks what it built)."""
    if _postgresql():
        _lock(shared=False)
    elif day < local_day(now or utcnow(), zone) - timedelta(days=1):
        # A write that changes nothing takes SQLite's one write lock until the commit.
        db.session.execute(delete(ReportDayBuilt).where(ReportDayBuilt.id.is_(None)))


def _lock(shared: bool) -> None:
    if _postgresql():
        take = func.pg_advisory_xact_lock_shared if shared else func.pg_advisory_xact_lock
        db.session.execute(select(take(LOCK)))


def _postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def chats_booked(meetings) -> list[datetime]:
    """When the chats started whose "ended in a meeting" a meeting `meetings` picks
    (an SQL condition on Meeting) counts for (conversations.booked_after)."""
    return list(db.session.scalars(select(Conversation.started_at)
                                   .where(booked_after().where(meetings))))


def chats_a_meeting_counts_for(visitor_id: str, at: datetime) -> list[datetime]:
    """When the visitor's chats started that a meeting they book at `at` ends "in a
    meeting" (conversations.booked_after, for a meeting not stored yet)."""
    within = timedelta(hours=MEETING_WITHIN_HOURS)
    return list(db.session.scalars(select(Conversation.started_at).where(
        Conversation.visitor_id == visitor_id, Conversation.started_at <= at,
        or_(Conversation.closed_at.is_(None), Conversation.closed_at >= at - within))))


def history_of(visitor_ids: list[str], meetings) -> list[datetime]:
    """The instants of everything the rollups count about these visitors (their hours,
    decisions, offers, chats, messages) and about the meetings `meetings` picks (their
    day's bookings, the chats they count for): what erasing them changes."""
    chats = select(Conversation.id).where(Conversation.visitor_id.in_(visitor_ids))
    found = [*chats_booked(meetings),
             *db.session.scalars(select(Meeting.created_at).where(meetings))]
    for column, where in (
            (VisitorHour.hour, VisitorHour.visitor_id.in_(visitor_ids)),
            (RoutingRecord.decided_at, RoutingRecord.visitor_id.in_(visitor_ids)),
            (Offer.offered_at, Offer.visitor_id.in_(visitor_ids)),
            (Conversation.started_at, Conversation.visitor_id.in_(visitor_ids)),
            (Message.sent_at, Message.conversation_id.in_(chats))):
        found += db.session.scalars(select(column).distinct().where(where))
    return found
