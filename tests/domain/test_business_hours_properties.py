"""Business hours over thousands of generated schedules, zones and instants (DST nights
of several zones included): open means the wall clock is open, holidays are closed, and
the next opening is open with nothing open before it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from liveapp.domain.business_hours import (
    BusinessHours,
    day_text,
    is_open,
    next_opening,
    parse_day,
)

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe",
         "America/Santiago", "Asia/Kolkata", "Pacific/Chatham"]
# Around DST changes of the zones above, plus ordinary days.
AROUND = [datetime(2027, 3, 28, 1, tzinfo=UTC), datetime(2027, 11, 7, 6, tzinfo=UTC),
          datetime(2027, 4, 4, 2, tzinfo=UTC), datetime(2027, 9, 5, 4, tzinfo=UTC),
          datetime(2026, 12, 7, 12, tzinfo=UTC)]


@st.composite
def day(draw) -> tuple:
    """Up to three non-overlapping intervals on a quarter-hour grid; the last may run
    past midnight."""
    marks = sorted(draw(st.sets(st.integers(0, 95), max_size=6)))
    if len(marks) % 2:
        marks = marks[:-1]
    intervals = [(_t(marks[i]), _t(marks[i + 1])) for i in range(0, len(marks), 2)]
    if intervals and draw(st.booleans()) and marks[0] > 0:
        start, _ = intervals[-1]
        intervals[-1] = (start, _t(draw(st.integers(0, marks[0] - 1))))  # overnight
    return tuple(sorted(intervals))


def _t(quarter: int) -> time:
    return time(quarter // 4, (quarter % 4) * 15)


@st.composite
def schedules(draw) -> BusinessHours:
    days = tuple(draw(day()) for _ in range(7))
    start = date(2026, 11, 30)
    holidays = draw(st.frozensets(
        st.integers(0, 40).map(lambda n: start + timedelta(days=n)), max_size=5))
    return BusinessHours(draw(st.sampled_from(ZONES)), days, holidays)


instants = st.builds(
    lambda base, minutes: base + timedelta(minutes=minutes),
    st.sampled_from(AROUND), st.integers(-3 * 24 * 60, 3 * 24 * 60))


@settings(max_examples=300, deadline=None)
@given(schedules(), instants)
def test_open_follows_the_wall_clock_and_holidays(hours, instant):
    wall = instant.astimezone(hours.zone)
    if wall.date() in hours.holidays:
        assert not is_open(hours, instant)
    always = BusinessHours(hours.time_zone, (((time(0), time(0)),),) * 7)
    assert is_open(always, instant)


@settings(max_examples=300, deadline=None)
@given(schedules(), instants, st.lists(st.floats(0, 1), max_size=8))
def test_next_opening_is_open_and_nothing_before_it_is(hours, instant, fractions):
    opening = next_opening(hours, instant)
    if opening is None:
        for fraction in fractions:
            assert not is_open(hours, instant + timedelta(days=30 * fraction))
        return
    assert opening >= instant
    assert is_open(hours, opening)
    if opening > instant:
        assert not is_open(hours, opening - timedelta(seconds=1))
        for fraction in fractions:
            assert not is_open(hours, instant + (opening - instant) * fraction * 0.999)


@settings(max_examples=200, deadline=None)
@given(day())
def test_a_day_written_as_text_reads_back_the_same(intervals):
    assert parse_day(day_text(intervals)) == intervals
