"""A group's business hours: is it open at an instant, and when does it open next?

Hours are read on the group's wall clock (an IANA time zone): per weekday (Monday
first) zero or more open intervals `(start, end)`, start included, end excluded. An end
of "00:00" or "24:00" is midnight; an end before its start runs past midnight into the
next day ("22:00"-"02:00"). Holidays are local dates on which the group is closed all
day: an overnight interval neither runs into a holiday nor out of one. No hours at all
(None) means always open.

Daylight saving needs no special case: an instant is open when its wall-clock time is;
an opening that falls in a spring-forward gap opens at the transition, and an hour that
happens twice in autumn is open (or closed) both times.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
MIDNIGHT = time(0, 0)
MAX_INTERVALS = 6  # per day: more is a typo, not a schedule
MAX_HOLIDAYS = 400
LOOK_AHEAD_DAYS = MAX_HOLIDAYS + 8  # every day closed that long: it never opens

Interval = tuple[time, time]


@dataclass(frozen=True)
class BusinessHours:
    """A group's time zone, weekly hours (seven tuples of intervals) and holidays."""

    time_zone: str
    week: tuple[tuple[Interval, ...], ...]
    holidays: frozenset[date] = field(default_factory=frozenset)

    @property
    def zone(self) -> ZoneInfo:
        return _zone(self.time_zone)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


# --- reading what an admin wrote ---------------------------------------------------------

def parse_time(text: str, *, end: bool = False) -> time:
    """"09:00" as a time; "24:00" is midnight when it ends an interval. ValueError."""
    text = text.strip()
    if end and text == "24:00":
        return MIDNIGHT
    match = HHMM.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a time: write HH:MM, e.g. 09:00")
    return time(int(match.group(1)), int(match.group(2)))


def parse_day(text: str) -> tuple[Interval, ...]:
    """"09:00-12:00, 13:00-17:30" as intervals; empty text is a closed day. ValueError
    names what is wrong (a bad time, an empty or overlapping interval)."""
    parts = [p.strip() for p in re.split(r"[,;]", text or "") if p.strip()]
    if len(parts) > MAX_INTERVALS:
        raise ValueError(f"at most {MAX_INTERVALS} intervals a day")
    intervals = []
    for part in parts:
        bounds = re.split(r"\s*(?:-|–|to)\s*", part)
        if len(bounds) != 2:
            raise ValueError(f"{part!r}: write an interval as 09:00-17:00")
        start, end = parse_time(bounds[0]), parse_time(bounds[1], end=True)
        if start == end and end != MIDNIGHT:
            raise ValueError(f"{part!r}: an interval must not be empty")
        intervals.append((start, end))
    _check_overlaps(intervals)
    return tuple(sorted(intervals))


def _check_overlaps(intervals: Sequence[Interval]) -> None:
    spans = sorted(_minutes(s, e) for s, e in intervals)
    for (_, first_end), (second_start, _) in zip(spans, spans[1:], strict=False):
        if second_start < first_end:
            raise ValueError("intervals overlap: give each time once")


def _minutes(start: time, end: time) -> tuple[int, int]:
    """An interval as minutes from the day's midnight (an overnight one ends past 1440)."""
    first = start.hour * 60 + start.minute
    last = end.hour * 60 + end.minute
    return first, last if last > first else last + 1440


def parse_holidays(text: str) -> frozenset[date]:
    """Dates "2026-12-25", one per line or comma-separated. ValueError names a bad one."""
    found = set()
    for part in re.split(r"[\s,;]+", text or ""):
        if not part:
            continue
        try:
            found.add(date.fromisoformat(part))
        except ValueError as exc:
            raise ValueError(f"{part!r} is not a date: write YYYY-MM-DD") from exc
    if len(found) > MAX_HOLIDAYS:
        raise ValueError(f"at most {MAX_HOLIDAYS} holidays")
    return frozenset(found)


def from_stored(time_zone: str, week: Sequence | None,
                holidays: Iterable[str] = ()) -> BusinessHours | None:
    """From the group's stored columns (seven lists of ["HH:MM", "HH:MM"]); None when no
    hours are set (always open). ValueError when damaged."""
    if week is None:
        return None
    days = [tuple((parse_time(s), parse_time(e, end=True)) for s, e in day) for day in week]
    days += [()] * (7 - len(days))
    return BusinessHours(time_zone, tuple(days[:7]),
                         frozenset(date.fromisoformat(d) for d in holidays))


def to_stored(week: Sequence[Sequence[Interval]]) -> list[list[list[str]]]:
    """Seven days of intervals as the stored JSON (end "24:00" for midnight)."""
    def end(t: time) -> str:
        return "24:00" if t == MIDNIGHT else t.strftime("%H:%M")
    return [[[s.strftime("%H:%M"), end(e)] for s, e in day] for day in week]


def day_text(intervals: Sequence[Interval]) -> str:
    """One day's intervals as the form shows them: "09:00-12:00, 13:00-17:00"."""
    return ", ".join(f"{s:%H:%M}-{'24:00' if e == MIDNIGHT else e.strftime('%H:%M')}"
                     for s, e in intervals)


# --- open or closed ----------------------------------------------------------------------

def _utc(now: datetime) -> datetime:
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now


def open_on_wall(hours: BusinessHours, wall: datetime) -> bool:
    """Whether the wall-clock moment `wall` (naive, in the group's zone) is open."""
    day = wall.date()
    if day in hours.holidays:
        return False
    clock = wall.time()
    for start, end in hours.week[day.weekday()]:
        first, last = _minutes(start, end)
        if first <= clock.hour * 60 + clock.minute + clock.second / 60 < last:
            return True
    if day - timedelta(days=1) in hours.holidays:
        return False  # what opened on a holiday did not open at all
    for start, end in hours.week[(day.weekday() - 1) % 7]:
        first, last = _minutes(start, end)
        if last > 1440 and clock.hour * 60 + clock.minute + clock.second / 60 < last - 1440:
            return True
    return False


def is_open(hours: BusinessHours | None, now: datetime) -> bool:
    """True when the group is open at the instant `now` (naive means UTC)."""
    if hours is None:
        return True
    wall = _utc(now).astimezone(hours.zone).replace(tzinfo=None)
    return open_on_wall(hours, wall)


def _instants(wall: datetime, zone: ZoneInfo) -> list[datetime]:
    """The instants (UTC) at which the wall clock first reads `wall` or later: one, or
    two in an autumn hour that happens twice; in a spring-forward gap, the transition."""
    found = []
    for fold in (0, 1):
        instant = wall.replace(tzinfo=zone, fold=fold).astimezone(UTC)
        if _wall(instant, zone) != wall:  # a gap: the clock jumps past `wall`
            return [_jump(wall, zone)]
        found.append(instant)
    return sorted(set(found))


def _wall(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


def _jump(wall: datetime, zone: ZoneInfo) -> datetime:
    """The instant a spring-forward gap holding `wall` ends (to the second), found by
    halving: before it the clock reads less than `wall`, from it on more."""
    low = wall.replace(tzinfo=UTC) - timedelta(days=1)
    high = wall.replace(tzinfo=UTC) + timedelta(days=1)
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if _wall(middle, zone) >= wall:
            high = middle
        else:
            low = middle
    whole = high.replace(microsecond=0)  # transitions fall on whole seconds
    return whole if _wall(whole, zone) >= wall else whole + timedelta(seconds=1)


def next_opening(hours: BusinessHours | None, now: datetime) -> datetime | None:
    """The first instant at or after `now` at which the group is open (UTC, aware); `now`
    itself when open; None when it never opens within a year and a bit."""
    now = _utc(now).astimezone(UTC)
    if is_open(hours, now):
        return now
    zone = hours.zone  # type: ignore[union-attr]  # is_open(None) is True
    first_day = now.astimezone(zone).date() - timedelta(days=1)
    for offset in range(LOOK_AHEAD_DAYS):
        day = first_day + timedelta(days=offset)
        starts = {MIDNIGHT, *(s for s, _ in hours.week[day.weekday()])}  # type: ignore[union-attr]
        for start in sorted(starts):
            for instant in _instants(datetime.combine(day, start), zone):
                if instant >= now and is_open(hours, instant):
                    return instant
    return None


def closed_words(name: str, hours: BusinessHours, now: datetime) -> str:
    """"Sales EMEA closed (opens Mon 09:00 Europe/Berlin)", for routing's explanation."""
    opening = next_opening(hours, now)
    if opening is None:
        return f"{name} closed (no opening hours ahead)"
    wall = opening.astimezone(hours.zone)
    within_week = opening - _utc(now) < timedelta(days=6)
    when = f"{wall:%a %H:%M}" if within_week else f"{wall:%a %Y-%m-%d %H:%M}"
    return f"{name} closed (opens {when} {hours.time_zone})"


def describe(hours: BusinessHours | None) -> str:
    """The hours in a few words, e.g. "Mon–Fri 09:00-17:00 (Europe/Berlin), 2 holidays"."""
    if hours is None:
        return "Always open"
    runs: list[tuple[int, int, str]] = []
    for day, intervals in enumerate(hours.week):
        text = day_text(intervals)
        if not text:
            continue
        if runs and runs[-1][1] == day - 1 and runs[-1][2] == text:
            runs[-1] = (runs[-1][0], day, text)
        else:
            runs.append((day, day, text))
    words = ", ".join(
        f"{WEEKDAYS[a][:3]}{'–' + WEEKDAYS[b][:3] if b > a else ''} {text}"
        for a, b, text in runs) or "Closed every day"
    count = len(hours.holidays)
    extra = f", {count} holiday{'s' if count != 1 else ''}" if count else ""
    return f"{words} ({hours.time_zone}){extra}"
