"""The meeting booker's free slots: a rep's working hours, minus what is booked.

Slots start on the rep's local half hours (":00" and ":30" for 30-minute slots) and lie
wholly inside their working hours, read in their time zone by
`liveapp.domain.routing.hours.in_working_hours` (so overnight shifts and daylight saving
changes mean the same here as in routing). Everything in and out is naive UTC.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from liveapp.domain.routing.hours import Schedule, in_working_hours, local_time

DAYS = 5
SLOT_MINUTES = 30
LEAD = timedelta(hours=1)  # nobody books a meeting that starts within the hour
SLOT_LENGTHS = (15, 30, 60)  # minutes: local quarter-hour starts are UTC quarter hours
_STEP = timedelta(minutes=15)  # every zone's offset today is a whole number of quarters
_MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class Booking:
    """A meeting already in the rep's calendar (naive UTC)."""

    starts_at: datetime
    ends_at: datetime


def free_slots(schedule: Schedule | None, tz_name: str, booked: Iterable[Booking],
               now: datetime, *, days: int = DAYS, slot_minutes: int = SLOT_MINUTES,
               lead: timedelta = LEAD) -> list[datetime]:
    """The starts (naive UTC, sorted) of the rep's free slots in the coming `days`.

    A slot starts at least `lead` after `now` and before `now + days`, on a local
    multiple of `slot_minutes`; it lies in the working hours for every minute it lasts
    (None: no working hours, any time) and overlaps no booking. A naive `now` is UTC.

    Raises:
        ValueError: unknown time zone, a badly written shift, or an unsupported length.
    """
    if slot_minutes not in SLOT_LENGTHS:
        raise ValueError(f"slot length must be one of {SLOT_LENGTHS} minutes")
    local_time(now, tz_name)  # an unknown zone is a ValueError before any work
    now = _naive_utc(now)
    length = timedelta(minutes=slot_minutes)
    busy = sorted((b.starts_at, b.ends_at) for b in booked)
    slots: list[datetime] = []
    start = _ceil(now + lead, _STEP)
    while start < now + timedelta(days=days):
        if (local_time(start, tz_name).minute % slot_minutes == 0
                and (not slots or start >= slots[-1] + length)
                and not _overlaps(start, start + length, busy)
                and _in_hours(schedule, tz_name, start, slot_minutes)):
            slots.append(start)
        start += _STEP
    return slots


def _naive_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def _ceil(moment: datetime, step: timedelta) -> datetime:
    floor = datetime.min + ((moment - datetime.min) // step) * step
    return floor if floor == moment else floor + step


def _overlaps(start: datetime, end: datetime, busy: list[tuple[datetime, datetime]]) -> bool:
    return any(b_start < end and start < b_end for b_start, b_end in busy)


def _in_hours(schedule: Schedule | None, tz_name: str, start: datetime, minutes: int) -> bool:
    # Shifts begin and end on whole local minutes, so checking every minute of the slot is
    # exact; the start and the last minute first, as they settle almost every case.
    offsets = [0, minutes - 1, *range(1, minutes - 1)]
    return all(in_working_hours(schedule, tz_name, start + k * _MINUTE) for k in offsets)


@dataclass(frozen=True)
class FirstRouted:
    """Whose calendar the booker shows, as the routing history of one request tells it."""

    rep_id: int | None  # the first rep offered the visitor (or, failing that, routed to)
    rule_id: int | None  # the rule that routed the request, for its fallbacks


def first_routed(history: Iterable[dict], since: float | None = None) -> FirstRouted:
    """The rep an inbound request was first offered to, and its rule.

    Args:
        history: routing decisions, newest first (`routing.history`), each with
            trigger, at, offer_to, candidates and rule_id.
        since: when the visitor asked (epoch seconds); older decisions belong to an
            earlier request or to pounce routing. None: every inbound decision counts.
    """
    request = [h for h in reversed(list(history))
               if h.get("trigger") == "inbound" and (since is None or h.get("at", 0) >= since)]
    rep_id = next((h["offer_to"][0] for h in request if h.get("offer_to")), None)
    if rep_id is None:
        rep_id = next((h["candidates"][0] for h in request if h.get("candidates")), None)
    rule_id = next((h["rule_id"] for h in request if h.get("rule_id") is not None), None)
    return FirstRouted(rep_id, rule_id)
