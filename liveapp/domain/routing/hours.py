"""Working hours: is a rep's local wall-clock time inside one of their shifts?"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

TimeLike = time | str
Shift = tuple[TimeLike, TimeLike]
# Per weekday (0 = Monday ... 6 = Sunday): a mapping, or a sequence of seven lists.
Schedule = Mapping[int, Sequence[Shift]] | Sequence[Sequence[Shift]]


def in_working_hours(schedule: Schedule | None, tz_name: str, now: datetime) -> bool:
    """True when `now` falls in one of the rep's shifts, read in their time zone.

    A shift is `(start, end)`, start included, end excluded, as `time` or "HH:MM".
    A shift that ends at or before its start runs past midnight into the next day
    ("22:00"-"06:00"; "00:00"-"00:00" is the whole day). No schedule at all (None)
    means the rep set no working hours: always in hours. A naive `now` is UTC.

    Raises:
        ValueError: unknown time zone name or a badly written time.
    """
    if schedule is None:
        return True
    local = local_time(now, tz_name)
    today, clock = local.weekday(), local.time().replace(tzinfo=None)
    yesterday = (local - timedelta(days=1)).weekday()
    for start, end in _shifts(schedule, today):
        if _covers_today(_time(start), _time(end), clock):
            return True
    for start, end in _shifts(schedule, yesterday):
        start_t, end_t = _time(start), _time(end)
        if end_t <= start_t and clock < end_t:
            return True
    return False


def local_time(now: datetime, tz_name: str) -> datetime:
    """`now` (naive means UTC) on the wall clock of `tz_name`; ValueError when unknown."""
    try:
        zone = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {tz_name!r}") from exc
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return now.astimezone(zone)


def _shifts(schedule: Schedule, weekday: int) -> Sequence[Shift]:
    if isinstance(schedule, Mapping):
        return schedule.get(weekday, ()) or ()
    return schedule[weekday] if weekday < len(schedule) else ()


def _time(value: TimeLike) -> time:
    if isinstance(value, time):
        return value.replace(tzinfo=None)
    try:
        return time.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"bad working-hours time {value!r}: use HH:MM") from exc


def _covers_today(start: time, end: time, clock: time) -> bool:
    if end <= start:  # overnight: today's part runs from start to midnight
        return clock >= start
    return start <= clock < end
