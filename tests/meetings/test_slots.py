"""The meeting booker's free slots (pure domain): working hours in the rep's zone, lead
time, horizon, bookings, daylight saving changes; and properties over many schedules."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liveapp.domain.meetings import LEAD, Booking, free_slots

OFFICE = [[["09:00", "17:00"]]] * 5 + [[], []]
HALF = timedelta(minutes=30)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_office_hours_in_paris_across_the_spring_change():
    # Thursday 06:00Z; clocks go forward on Sunday 29 March: 09:00 Paris is 08:00Z before
    # and 07:00Z after.
    slots = free_slots(OFFICE, "Europe/Paris", [], at("2026-03-26 06:00"))
    assert len(slots) == 48  # Thu, Fri, Mon: 16 half hours each; Tue starts too late
    days = {}
    for slot in slots:
        days.setdefault(slot.date().isoformat(), []).append(slot.time())
    assert sorted(days) == ["2026-03-26", "2026-03-27", "2026-03-30"]
    assert days["2026-03-27"][0] == time(8, 0) and days["2026-03-27"][-1] == time(15, 30)
    assert days["2026-03-30"][0] == time(7, 0) and days["2026-03-30"][-1] == time(14, 30)


def test_a_shift_over_the_missing_hour_has_no_slots_in_it():
    sunday = [[]] * 6 + [[["01:00", "04:00"]]]
    slots = free_slots(sunday, "Europe/Paris", [], at("2026-03-28 12:00"), days=2)
    # 01:00, 01:30 CET then 03:00, 03:30 CEST: four slots, back to back in UTC.
    assert slots == [at("2026-03-29 00:00"), at("2026-03-29 00:30"),
                     at("2026-03-29 01:00"), at("2026-03-29 01:30")]


def test_the_repeated_hour_in_autumn_gives_slots_at_both_times():
    sunday = [[]] * 6 + [[["00:00", "03:00"]]]
    slots = free_slots(sunday, "America/New_York", [], at("2026-10-31 12:00"), days=2)
    # 00:00-03:00 local lasts four hours that night: 01:00-02:00 happens twice.
    assert slots == [at("2026-11-01 04:00") + k * HALF for k in range(8)]


def test_not_within_the_hour_not_past_the_horizon():
    always = [[["00:00", "00:00"]]] * 7
    now = at("2026-06-01 10:10")
    slots = free_slots(always, "UTC", [], now, days=1)
    assert slots[0] == at("2026-06-01 11:30")  # 11:00 starts within the hour
    assert slots[-1] == at("2026-06-02 10:00")
    assert free_slots(always, "UTC", [], at("2026-06-01 10:00"), days=1)[0] == at(
        "2026-06-01 11:00")


def test_bookings_take_their_slots_and_an_overlapping_one_takes_two():
    day = [[["09:00", "11:00"]]] * 7
    booked = [Booking(at("2026-06-02 09:00"), at("2026-06-02 09:30")),
              Booking(at("2026-06-02 10:15"), at("2026-06-02 10:45"))]
    slots = free_slots(day, "UTC", booked, at("2026-06-01 12:00"), days=1)
    assert slots == [at("2026-06-02 09:30")]


def test_slots_follow_the_reps_zone_and_quarter_hour_offsets():
    slots = free_slots(OFFICE, "Asia/Kathmandu", [], at("2026-06-01 00:00"), days=1)
    assert slots[0] == at("2026-06-01 03:15")  # 09:00 at +05:45
    assert all((s.replace(tzinfo=UTC).astimezone(ZoneInfo("Asia/Kathmandu")).minute
                in (0, 30)) for s in slots)


def test_shifts_that_end_off_the_half_hour_and_overnight_shifts():
    odd = [[["09:10", "10:20"]]] + [[]] * 6  # Mondays only
    assert free_slots(odd, "UTC", [], at("2026-06-01 00:00"), days=1) == [
        at("2026-06-01 09:30")]
    night = [[["22:00", "02:00"]]] + [[]] * 6  # Monday night into Tuesday
    slots = free_slots(night, "UTC", [], at("2026-06-01 00:00"), days=2)
    assert slots == [at("2026-06-01 22:00") + k * HALF for k in range(8)]


def test_no_hours_means_any_time_and_no_days_means_no_slots():
    assert len(free_slots(None, "UTC", [], at("2026-06-01 00:00"), days=1)) == 46
    assert free_slots([[]] * 7, "UTC", [], at("2026-06-01 00:00")) == []


def test_aware_now_and_bad_input():
    aware = datetime(2026, 6, 1, 12, 0, tzinfo=ZoneInfo("Europe/Paris"))  # 10:00Z
    assert free_slots(None, "UTC", [], aware, days=1)[0] == at("2026-06-01 11:00")
    with pytest.raises(ValueError, match="time zone"):
        free_slots(OFFICE, "Mars/Olympus", [], at("2026-06-01 00:00"))
    with pytest.raises(ValueError, match="slot length"):
        free_slots(OFFICE, "UTC", [], at("2026-06-01 00:00"), slot_minutes=25)
    with pytest.raises(ValueError, match="HH:MM"):
        free_slots([[["nine", "17:00"]]] * 7, "UTC", [], at("2026-06-01 00:00"))


# ---------------------------------------------------------------- properties

ZONES = ["UTC", "Europe/Paris", "America/New_York", "Australia/Lord_Howe",
         "Asia/Kathmandu", "America/St_Johns", "Pacific/Chatham", "Asia/Kolkata"]
clock = st.tuples(st.integers(0, 23), st.integers(0, 59)).map(lambda hm: f"{hm[0]:02d}:{hm[1]:02d}")


@st.composite
def shift(draw):
    """A same-day shift: end after start, or "00:00" for midnight."""
    start = draw(clock)
    end = draw(clock.filter(lambda e: e > start) | st.just("00:00"))
    return [start, end]


schedules = st.lists(st.lists(shift(), max_size=2), min_size=7, max_size=7)
# Around the daylight saving changes of both hemispheres and in between.
nows = st.datetimes(datetime(2026, 3, 20), datetime(2026, 11, 10)) | st.sampled_from(
    [at("2026-03-27 18:00"), at("2026-10-30 20:00"), at("2026-04-03 10:00")])


@st.composite
def bookings(draw, now):
    starts = draw(st.lists(st.integers(0, 5 * 24 * 4), max_size=6))
    return [Booking(now + timedelta(minutes=15 * s),
                    now + timedelta(minutes=15 * s + draw(st.sampled_from([15, 30, 60, 90]))))
            for s in starts]


def covered(schedule, zone, moment: datetime) -> bool:
    """An independent reading of same-day shifts: the local minute is in one of them."""
    local = moment.replace(tzinfo=UTC).astimezone(zone)
    minute = local.hour * 60 + local.minute
    for start, end in schedule[local.weekday()]:
        lo = int(start[:2]) * 60 + int(start[3:])
        hi = 24 * 60 if end == "00:00" else int(end[:2]) * 60 + int(end[3:])
        if lo <= minute < hi:
            return True
    return False


def inside(schedule, zone, slot: datetime) -> bool:
    return all(covered(schedule, zone, slot + timedelta(minutes=k)) for k in range(30))


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(schedule=schedules, tz_name=st.sampled_from(ZONES), now=nows, data=st.data())
def test_slot_properties(schedule, tz_name, now, data):
    booked = data.draw(bookings(now))
    zone = ZoneInfo(tz_name)
    slots = free_slots(schedule, tz_name, booked, now, days=3)
    assert slots == sorted(set(slots))
    for slot in slots:
        assert now + LEAD <= slot < now + timedelta(days=3)
        assert slot.replace(tzinfo=UTC).astimezone(zone).minute in (0, 30)
        assert inside(schedule, zone, slot)
        assert not any(b.starts_at < slot + HALF and slot < b.ends_at for b in booked)
    assert all(b - a >= HALF for a, b in zip(slots, slots[1:], strict=False))
    # And none is missing: every free local half hour in range is offered.
    quarter = timedelta(minutes=15)
    moment = datetime.min + -(-(now + LEAD - datetime.min) // quarter) * quarter
    offered = set(slots)
    while moment < now + timedelta(days=3):
        free = (moment.replace(tzinfo=UTC).astimezone(zone).minute in (0, 30)
                and inside(schedule, zone, moment)
                and not any(b.starts_at < moment + HALF and moment < b.ends_at for b in booked))
        assert free == (moment in offered), moment
        moment += quarter
