"""How filters become SQL: the UTC window of the local days, the local day of a timestamp
on each backend, and which reps a rep or group filter means."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Date, Integer, String, case, cast, func, literal, select

from liveapp.extensions import db
from liveapp.models.user import group_members
from liveapp.services.reports.days import Span, offset_spans, utc_bounds
from liveapp.services.reports.filters import Filters


@dataclass(frozen=True)
class Window:
    """The filters' days as a naive UTC interval [lo, hi), and the zone's offsets in it."""

    lo: datetime
    hi: datetime
    spans: tuple[Span, ...]

    @classmethod
    def of(cls, filters: Filters) -> Window:
        lo, hi = utc_bounds(filters.start, filters.end, filters.tz)
        return cls(lo, hi, tuple(offset_spans(lo, hi, filters.tz)))

    def between(self, column):
        """column in [lo, hi)."""
        return (column >= self.lo) & (column < self.hi)


def dialect() -> str:
    return db.engine.dialect.name


def local_day(column, filters: Filters, window: Window):
    """The local day (in filters.tz) of a naive UTC column, as SQL. PostgreSQL converts
    with AT TIME ZONE; SQLite adds the zone's offset, chosen by a CASE over the offset
    changes inside the window (one branch per change, usually one or two)."""
    if dialect() == "postgresql":
        return cast(func.timezone(filters.tz, func.timezone("UTC", column)), Date)
    shift = _modifier(window.spans[0])
    if len(window.spans) > 1:
        shift = case(*[(column < span.since, _modifier(previous))
                       for previous, span in zip(window.spans, window.spans[1:],
                                                 strict=False)],
                     else_=_modifier(window.spans[-1]))
    return func.date(column, shift)


def _modifier(span: Span):
    return cast(literal(f"{int(span.offset.total_seconds()):+d} seconds"), String)


def as_date(value) -> date:
    """A local day as either backend returns it (PostgreSQL: date; SQLite: text)."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def seconds_between(later, earlier):
    """later - earlier in seconds, as SQL on either backend."""
    if dialect() == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def whole_seconds(later, earlier):
    """later - earlier in whole seconds (floor), as SQL on either backend: the reports'
    times to accept and to first response, the same in the live queries and the rollups."""
    if dialect() == "postgresql":
        return cast(func.floor(func.extract("epoch", later - earlier)), Integer)
    # julianday keeps ~50 microseconds: a half millisecond keeps 10.000 s from reading 9.
    return cast((func.julianday(later) - func.julianday(earlier)) * 86400.0 + 0.0005, Integer)


def rep_scope(filters: Filters) -> list[int] | None:
    """The reps the rep and group filters leave (None: every rep)."""
    if filters.group_id is None:
        return None if filters.rep_id is None else [filters.rep_id]
    members = db.session.scalars(select(group_members.c.user_id).where(
        group_members.c.group_id == filters.group_id)).all()
    if filters.rep_id is not None:
        return [filters.rep_id] if filters.rep_id in members else []
    return sorted(members)


def plus_hours(column, hours: int):
    """column + hours (or minus, when negative), as SQL on either backend."""
    if dialect() == "postgresql":
        return column + func.make_interval(0, 0, 0, 0, hours)
    return func.strftime("%Y-%m-%d %H:%M:%f000", column, f"{hours:+d} hours")
