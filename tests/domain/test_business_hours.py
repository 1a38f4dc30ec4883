"""A group's business hours: open or closed at an instant, in the group's time zone,
with intervals past midnight, holidays and daylight saving; and when it opens next."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from liveapp.domain.business_hours import (
    BusinessHours,
    closed_words,
    day_text,
    describe,
    from_stored,
    is_open,
    next_opening,
    parse_day,
    parse_holidays,
    to_stored,
)


def week(*days: str, zone: str = "Europe/Berlin", holidays: str = "") -> BusinessHours:
    """Hours from seven day texts (missing days closed)."""
    texts = [*days, *[""] * (7 - len(days))]
    return BusinessHours(zone, tuple(parse_day(t) for t in texts), parse_holidays(holidays))


OFFICE = week(*["09:00-17:00"] * 5)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(("instant", "expected"), [
    (utc(2026, 12, 7, 7, 59), False),  # Monday 08:59 in Berlin (CET, +1)
    (utc(2026, 12, 7, 8, 0), True),  # 09:00: start included
    (utc(2026, 12, 7, 15, 59), True),
    (utc(2026, 12, 7, 16, 0), False),  # 17:00: end excluded
    (utc(2026, 12, 5, 12, 0), False),  # Saturday
    (utc(2026, 7, 6, 7, 0), True),  # Monday 09:00 CEST (+2)
    (utc(2026, 7, 6, 15, 0), False),  # 17:00 CEST
])
def test_open_on_the_groups_wall_clock(instant, expected):
    assert is_open(OFFICE, instant) is expected


def test_no_hours_is_always_open():
    assert is_open(None, utc(2026, 12, 5, 3, 0))
    assert next_opening(None, utc(2026, 12, 5, 3, 0)) == utc(2026, 12, 5, 3, 0)
    assert describe(None) == "Always open"


def test_several_intervals_a_day_leave_the_lunch_break_closed():
    hours = week("09:00-12:00, 13:00-17:00", zone="UTC")
    assert is_open(hours, utc(2026, 12, 7, 11, 59))
    assert not is_open(hours, utc(2026, 12, 7, 12, 30))
    assert next_opening(hours, utc(2026, 12, 7, 12, 30)) == utc(2026, 12, 7, 13, 0)


def test_an_interval_past_midnight_runs_into_the_next_day():
    hours = week("", "", "", "", "22:00-02:00", zone="UTC")  # Friday night
    assert is_open(hours, utc(2026, 12, 11, 23, 0))  # Friday 23:00
    assert is_open(hours, utc(2026, 12, 12, 1, 59))  # Saturday 01:59
    assert not is_open(hours, utc(2026, 12, 12, 2, 0))
    assert not is_open(hours, utc(2026, 12, 11, 1, 0))  # Friday early: Thursday had none


def test_midnight_as_an_end_closes_at_the_end_of_the_day():
    hours = week("18:00-24:00", "00:00-00:00", zone="UTC")
    assert is_open(hours, utc(2026, 12, 7, 23, 59))  # Monday 23:59
    assert is_open(hours, utc(2026, 12, 8, 12, 0))  # Tuesday: the whole day
    assert not is_open(hours, utc(2026, 12, 9, 0, 0))  # Wednesday


def test_a_holiday_closes_the_groups_local_date():
    hours = week(*["09:00-17:00"] * 5, zone="America/New_York", holidays="2026-12-25")
    assert not is_open(hours, utc(2026, 12, 25, 15, 0))  # Friday 10:00 in New York
    assert is_open(hours, utc(2026, 12, 24, 15, 0))
    # 2026-12-26 01:00 UTC is still the 25th (20:00) in New York: closed anyway, and
    # Monday 28th 09:00 New York is the next opening.
    assert next_opening(hours, utc(2026, 12, 25, 15, 0)) == utc(2026, 12, 28, 14, 0)


def test_an_overnight_interval_neither_runs_into_nor_out_of_a_holiday():
    hours = week(*["22:00-02:00"] * 7, zone="UTC", holidays="2026-12-25")
    assert not is_open(hours, utc(2026, 12, 25, 1, 0))  # into the holiday
    assert not is_open(hours, utc(2026, 12, 26, 1, 0))  # out of it
    assert is_open(hours, utc(2026, 12, 26, 23, 0))


def test_spring_forward_an_opening_in_the_gap_opens_at_the_jump():
    # Europe/Berlin, 2027-03-28: 02:00 CET becomes 03:00 CEST at 01:00 UTC.
    hours = week(*["02:30-04:00"] * 7)
    assert next_opening(hours, utc(2027, 3, 28, 0, 0)) == utc(2027, 3, 28, 1, 0)
    assert is_open(hours, utc(2027, 3, 28, 1, 0))  # 03:00 CEST
    assert not is_open(hours, utc(2027, 3, 28, 0, 59))  # 01:59 CET


def test_fall_back_the_hour_that_happens_twice_is_open_both_times():
    # America/New_York, 2027-11-07: 01:00-02:00 local happens at 05:00 and 06:00 UTC.
    hours = week(*["01:15-01:45"] * 7, zone="America/New_York")
    assert is_open(hours, utc(2027, 11, 7, 5, 20))
    assert not is_open(hours, utc(2027, 11, 7, 5, 50))
    assert next_opening(hours, utc(2027, 11, 7, 5, 50)) == utc(2027, 11, 7, 6, 15)
    assert is_open(hours, utc(2027, 11, 7, 6, 20))


def test_office_hours_move_in_utc_across_the_dst_change():
    # Berlin's Monday 09:00 is 08:00 UTC in winter and 07:00 UTC after 2027-03-28.
    before = next_opening(OFFICE, utc(2027, 3, 20, 18, 0))
    after = next_opening(OFFICE, utc(2027, 3, 27, 18, 0))
    assert before == utc(2027, 3, 22, 8, 0)
    assert after == utc(2027, 3, 29, 7, 0)


def test_closed_words_say_when_it_opens_in_its_zone():
    saturday = utc(2026, 12, 5, 12, 0)
    assert closed_words("Sales EMEA", OFFICE, saturday) == \
        "Sales EMEA closed (opens Mon 09:00 Europe/Berlin)"


def test_closed_words_give_the_date_when_the_opening_is_far():
    hours = week(*["09:00-17:00"] * 5, holidays=" ".join(
        str(date(2026, 12, 7) + timedelta(days=d)) for d in range(14)))
    assert closed_words("Sales", hours, utc(2026, 12, 5, 12, 0)) == \
        "Sales closed (opens Mon 2026-12-21 09:00 Europe/Berlin)"


def test_never_open_says_so():
    hours = week()
    assert next_opening(hours, utc(2026, 12, 5, 12, 0)) is None
    assert closed_words("Night", hours, utc(2026, 12, 5, 12, 0)) == \
        "Night closed (no opening hours ahead)"


@pytest.mark.parametrize(("text", "error"), [
    ("9-17", "is not a time"),
    ("09:00", "write an interval"),
    ("09:00-09:00", "must not be empty"),
    ("25:00-26:00", "is not a time"),
    ("09:00-12:00, 11:00-13:00", "overlap"),
    ("22:00-02:00, 23:00-23:30", "overlap"),
    (", ".join(["01:00-01:30"] * 7), "at most 6"),
])
def test_bad_day_text_is_refused_naming_what(text, error):
    with pytest.raises(ValueError, match=error):
        parse_day(text)


def test_bad_holiday_is_refused():
    with pytest.raises(ValueError, match="'2026-13-01' is not a date"):
        parse_holidays("2026-12-25\n2026-13-01")


def test_stored_form_round_trips():
    hours = week("09:00-12:00, 13:00-24:00", "", "22:00-02:00", holidays="2026-12-25")
    stored = to_stored(hours.week)
    assert stored[0] == [["09:00", "12:00"], ["13:00", "24:00"]]
    back = from_stored(hours.time_zone, stored, ["2026-12-25"])
    assert back == hours
    assert day_text(back.week[0]) == "09:00-12:00, 13:00-24:00"
    assert from_stored("UTC", None) is None


def test_describe_groups_equal_days():
    assert describe(week(*["09:00-17:00"] * 5, holidays="2026-12-25")) == \
        "Mon–Fri 09:00-17:00 (Europe/Berlin), 1 holiday"
    assert time(0) not in {s for s, _ in OFFICE.week[0]}
