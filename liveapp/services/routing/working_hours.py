"""Reps' working hours as the users form edits them: one shift per weekday, in a time zone.

Stored on the user as seven lists (Monday first) of ["HH:MM", "HH:MM"] shifts, the shape
`liveapp.domain.routing.hours.in_working_hours` reads; None means no working hours.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from zoneinfo import available_timezones

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
MIDNIGHT = "00:00"
OFFICE_HOURS = [[["09:00", "17:00"]]] * 5 + [[], []]

Shift = tuple[str, str]


def zone_error(name: str) -> str | None:
    """Why `name` is not an IANA time zone, or None when it is."""
    name = (name or "").strip()
    if not name:
        return "Give a time zone, e.g. Europe/Paris or UTC."
    # ZoneInfo alone also opens files that are not zones' names (posixrules, posix/...).
    if name not in _known_zones():
        return f"Unknown time zone {name!r}: choose one from the list, e.g. America/New_York."
    return None


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones()) | {"UTC"}


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    """Every IANA zone name this system knows, UTC first then sorted, for the form's select."""
    return ("UTC", *sorted(_known_zones() - {"UTC"}))


def zone_choices(current: str | None) -> list[tuple[str, str]]:
    """The zone select's options (the users form, the reports' filters): every IANA zone;
    a saved or sent name that is not one is shown, marked, so the select does not silently
    pick another."""
    names = zone_names()
    current = (current or "").strip()
    unknown = [] if not current or current in names else [(current, f"{current} (unknown)")]
    return [*unknown, *((name, name) for name in names)]


def shift_error(start: str, end: str) -> str | None:
    """Why a day's start/end pair is wrong; both blank is a day off."""
    start, end = (start or "").strip(), (end or "").strip()
    if not start and not end:
        return None
    if not start or not end:
        return "Give both a start and an end, or leave both empty for a day off."
    if not HHMM.match(start) or not HHMM.match(end):
        return "Write times as HH:MM, e.g. 09:00."
    if end != MIDNIGHT and end <= start:
        return "The end must be after the start (00:00 for midnight)."
    return None


def schedule_from_shifts(shifts: Sequence[Shift]) -> list[list[list[str]]]:
    """Seven (start, end) pairs, already checked, as the stored schedule."""
    return [
        [[start.strip(), end.strip()]] if (start or "").strip() else []
        for start, end in shifts
    ]


def shifts_from_schedule(schedule: Sequence | None) -> list[Shift]:
    """The stored schedule as seven (start, end) pairs for the form (first shift a day)."""
    days = list(schedule or OFFICE_HOURS)[: len(WEEKDAYS)]
    days += [[]] * (len(WEEKDAYS) - len(days))
    return [(day[0][0], day[0][1]) if day else ("", "") for day in days]


def describe(schedule: Sequence | None, time_zone: str) -> str:
    """A schedule in a few words, e.g. "Mon–Fri 09:00–17:00 (Europe/Paris)"."""
    if schedule is None:
        return "Any time"
    runs: list[tuple[int, int, str]] = []  # first day, last day, hours
    for day, shifts in enumerate(list(schedule)[: len(WEEKDAYS)]):
        if not shifts:
            continue
        hours = ", ".join(f"{start}–{end}" for start, end in shifts)
        if runs and runs[-1][1] == day - 1 and runs[-1][2] == hours:
            runs[-1] = (runs[-1][0], day, hours)
        else:
            runs.append((day, day, hours))
    words = [
        f"{WEEKDAYS[first][:3]}{'–' + WEEKDAYS[last][:3] if last > first else ''} {hours}"
        for first, last, hours in runs
    ]
    return f"{', '.join(words) or 'No working days'} ({time_zone})"
