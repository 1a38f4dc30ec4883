"""Working hours in the rep's own time zone, including shifts past midnight and DST."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liveapp.domain.routing import in_working_hours

WEEKDAYS_9_TO_5 = {day: [("09:00", "17:00")] for day in range(5)}


@pytest.mark.parametrize(("utc", "expected"), [
    (datetime(2026, 11, 23, 13, 59, tzinfo=UTC), False),  # Monday 08:59 in New York
    (datetime(2026, 11, 23, 14, 0, tzinfo=UTC), True),  # 09:00, start included
    (datetime(2026, 11, 23, 21, 59, tzinfo=UTC), True),
    (datetime(2026, 11, 23, 22, 0, tzinfo=UTC), False),  # 17:00, end excluded
    (datetime(2026, 11, 28, 15, 0, tzinfo=UTC), False),  # Saturday
])
def test_weekday_hours_read_in_the_reps_time_zone(utc, expected):
    assert in_working_hours(WEEKDAYS_9_TO_5, "America/New_York", utc) is expected


def test_daylight_saving_time_moves_the_utc_window():
    summer = datetime(2026, 7, 6, 13, 30, tzinfo=UTC)  # Monday 09:30 EDT
    winter = datetime(2026, 12, 7, 13, 30, tzinfo=UTC)  # Monday 08:30 EST
    assert in_working_hours(WEEKDAYS_9_TO_5, "America/New_York", summer)
    assert not in_working_hours(WEEKDAYS_9_TO_5, "America/New_York", winter)


def test_overnight_shift_runs_into_the_next_day():
    nights = [[(time(22), time(6))], [], [], [], [], [], []]  # Monday night only
    assert in_working_hours(nights, "UTC", datetime(2026, 11, 23, 23, 0))  # Monday 23:00
    assert in_working_hours(nights, "UTC", datetime(2026, 11, 24, 5, 59))  # Tuesday 05:59
    assert not in_working_hours(nights, "UTC", datetime(2026, 11, 24, 6, 0))
    assert not in_working_hours(nights, "UTC", datetime(2026, 11, 24, 23, 0))  # Tuesday night


def test_whole_day_shift_and_several_shifts_a_day():
    schedule = {0: [("00:00", "00:00")], 1: [("08:00", "12:00"), ("13:00", "17:00")]}
    assert in_working_hours(schedule, "Europe/Paris", datetime(2026, 11, 23, 3, 0, tzinfo=UTC))
    lunch = datetime(2026, 11, 24, 11, 30, tzinfo=UTC)  # Tuesday 12:30 in Paris
    assert not in_working_hours(schedule, "Europe/Paris", lunch)
    assert in_working_hours(schedule, "Europe/Paris", lunch.replace(hour=12))


def test_no_schedule_means_always_in_hours_and_empty_means_never():
    now = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
    assert in_working_hours(None, "UTC", now)
    assert not in_working_hours({}, "UTC", now)


def test_bad_time_zone_or_time_is_a_clear_error():
    now = datetime(2026, 11, 23, tzinfo=UTC)
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        in_working_hours(WEEKDAYS_9_TO_5, "Mars/Olympus", now)
    with pytest.raises(ValueError, match="bad working-hours time '9am'"):
        in_working_hours({0: [("9am", "17:00")]}, "UTC", now)


@given(
    start=st.times(), end=st.times(),
    now=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1),
                     timezones=st.just(UTC)),
)
def test_every_day_shift_matches_a_plain_clock_comparison(start, end, now):
    daily = {day: [(start, end)] for day in range(7)}
    clock = now.time().replace(tzinfo=None)
    expected = start <= clock < end if start < end else (clock >= start or clock < end)
    assert in_working_hours(daily, "UTC", now) is expected
