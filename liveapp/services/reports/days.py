"""Local days and percentiles, pure: how UTC instants fall into the days of a time zone.

A report's range is whole days in its zone; the database stores naive UTC. These
functions turn the range into UTC bounds, list the zone's offset changes inside it (so SQL
can cut days with a short CASE), and fold UTC hours into local days.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo


def local_midnight_utc(day: date, tz: str) -> datetime:
    """The naive UTC instant at which `day` begins in `tz` (zones change at night, so a
    day's first instant is midnight, or the first instant after a skipped midnight)."""
    # A midnight skipped by a change at 00:00 reads with the offset before (fold=0): its
    # UTC instant is the change itself, the day's first instant.
    local = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz))
    return local.astimezone(UTC).replace(tzinfo=None)


def utc_bounds(start: date, end: date, tz: str) -> tuple[datetime, datetime]:
    """[first instant, instant after the last) of the local days start..end, naive UTC."""
    return local_midnight_utc(start, tz), local_midnight_utc(end + timedelta(days=1), tz)


def days(start: date, end: date) -> list[date]:
    """Every day from start to end, inclusive."""
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def offset_at(instant: datetime, tz: str) -> timedelta:
    """The zone's UTC offset at a naive UTC instant."""
    return instant.replace(tzinfo=UTC).astimezone(ZoneInfo(tz)).utcoffset() or timedelta()


@dataclass(frozen=True)
class Span:
    """From `since` (naive UTC; None: the beginning), the zone is `offset` ahead of UTC."""

    since: datetime | None
    offset: timedelta


def offset_spans(lo: datetime, hi: datetime, tz: str) -> list[Span]:
    """The zone's offsets over [lo, hi), one Span per offset change: a DST change in the
    range gives two spans. Looked for a day at a time, then to the second (no zone
    changes twice within a day)."""
    spans = [Span(None, offset_at(lo, tz))]
    step, at = timedelta(days=1), lo
    while at < hi:
        following = min(at + step, hi)
        if offset_at(following, tz) != spans[-1].offset:
            change = _change_between(at, following, tz)
            spans.append(Span(change, offset_at(change, tz)))
            following = change
        at = following
    return spans


def _change_between(lo: datetime, hi: datetime, tz: str) -> datetime:
    """The first instant in (lo, hi] with hi's offset (bisection to the second)."""
    target = offset_at(hi, tz)
    while hi - lo > timedelta(seconds=1):
        middle = lo + (hi - lo) / 2
        middle = middle.replace(microsecond=0)
        if offset_at(middle, tz) == target:
            hi = middle
        else:
            lo = middle
    return hi


def local_day(instant: datetime, tz: str) -> date:
    """The day in `tz` of a naive UTC instant."""
    return (instant + offset_at(instant, tz)).date()


def fold_hours(counts: Iterable[tuple[datetime, int]], tz: str) -> dict[date, int]:
    """Add up counts per UTC hour into local days (an hour belongs to the day its first
    instant falls in: exact for whole-hour zones, cut at the hour for half-hour ones)."""
    folded: dict[date, int] = {}
    for hour, count in counts:
        day = local_day(hour, tz)
        folded[day] = folded.get(day, 0) + count
    return folded


def percentile(values: Sequence[float], p: float) -> float | None:
    """The p-th percentile (0..100) with linear interpolation between ranks (as
    PostgreSQL's percentile_cont); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


PERCENTILE_RANKS = (50, 90)


def ranks_needed(n: int, p: float) -> tuple[int, int]:
    """The two 0-based ranks `percentile` interpolates between for n values (integer
    arithmetic, as the SQL that picks them computes them)."""
    low = (n - 1) * int(p) // 100
    return low, min(low + 1, n - 1)


def percentile_of_ranks(n: int, at_rank: dict[int, float], p: float) -> float | None:
    """`percentile` from the values at ranks_needed(n, p) alone (the database sorted and
    picked them), for a whole-number p."""
    if n == 0:
        return None
    low, high = ranks_needed(n, p)
    rank = (n - 1) * p / 100
    return at_rank[low] + (at_rank[high] - at_rank[low]) * (rank - low)


def merged(histograms: Iterable[dict[int, int]]) -> dict[int, int]:
    """Histograms {value: count} added up."""
    total: dict[int, int] = {}
    for hist in histograms:
        for value, count in hist.items():
            total[value] = total.get(value, 0) + count
    return total


def hist_percentile(hist: dict[int, int], p: float) -> float | None:
    """`percentile` of the values a histogram {value: count} holds, without expanding it."""
    n = sum(hist.values())
    if n == 0:
        return None
    low, high = ranks_needed(n, p)
    at_rank, seen = {}, 0
    for value in sorted(hist):
        for rank in (low, high):
            if seen <= rank < seen + hist[value]:
                at_rank[rank] = value
        seen += hist[value]
    return percentile_of_ranks(n, at_rank, p)
