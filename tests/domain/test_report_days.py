"""The pure day arithmetic of reports (no app, no database): UTC bounds of local days,
the zone's offset spans, folding UTC hours into local days, percentiles."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from liveapp.services.reports.days import (
    days,
    fold_hours,
    hist_percentile,
    local_day,
    merged,
    offset_at,
    offset_spans,
    percentile,
    percentile_of_ranks,
    ranks_needed,
    utc_bounds,
)

ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata",
         "America/St_Johns", "Pacific/Chatham", "UTC", "America/Santiago", "Asia/Tehran"]
instants = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1))


def test_bounds_of_the_spring_and_autumn_days_in_berlin():
    assert utc_bounds(date(2026, 3, 29), date(2026, 3, 29), "Europe/Berlin") == (
        datetime(2026, 3, 28, 23), datetime(2026, 3, 29, 22))  # a 23-hour day
    assert utc_bounds(date(2026, 10, 25), date(2026, 10, 25), "Europe/Berlin") == (
        datetime(2026, 10, 24, 22), datetime(2026, 10, 25, 23))  # a 25-hour day


def test_spans_across_a_change():
    spans = offset_spans(datetime(2026, 3, 27, 23), datetime(2026, 3, 29, 22), "Europe/Berlin")
    assert [(s.since, s.offset) for s in spans] == [
        (None, timedelta(hours=1)), (datetime(2026, 3, 29, 1), timedelta(hours=2))]


def test_folding_hours_across_the_spring_change():
    hours = [(datetime(2026, 3, 28, 22), 1), (datetime(2026, 3, 28, 23), 2),
             (datetime(2026, 3, 29, 21), 4), (datetime(2026, 3, 29, 22), 8)]
    assert fold_hours(hours, "Europe/Berlin") == {
        date(2026, 3, 28): 1, date(2026, 3, 29): 6, date(2026, 3, 30): 8}


def test_a_half_hour_zone_is_cut_at_the_hour():
    # Kolkata is +05:30: the hour 18:00 UTC begins at 23:30, so it is all the day before
    assert fold_hours([(datetime(2026, 3, 28, 18), 1), (datetime(2026, 3, 28, 19), 1)],
                      "Asia/Kolkata") == {date(2026, 3, 28): 1, date(2026, 3, 29): 1}


@settings(max_examples=300, deadline=None)
@given(instants, st.sampled_from(ZONES))
def test_an_instant_is_inside_the_bounds_of_its_local_day(instant, tz):
    day = local_day(instant, tz)
    lo, hi = utc_bounds(day, day, tz)
    assert lo <= instant < hi
    assert day == instant.replace(tzinfo=UTC).astimezone(ZoneInfo(tz)).date()


@settings(max_examples=200, deadline=None)
@given(instants, st.integers(0, 100), st.sampled_from(ZONES))
def test_spans_give_the_offset_of_every_hour_in_the_range(lo, length, tz):
    lo = lo.replace(minute=0, second=0, microsecond=0)
    hi = lo + timedelta(hours=length * 7)
    spans = offset_spans(lo, hi, tz)
    hour = lo
    while hour < hi:
        current = [s for s in spans if s.since is None or s.since <= hour][-1]
        assert current.offset == offset_at(hour, tz)
        hour += timedelta(hours=1)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(instants, st.integers(0, 50)), max_size=40),
       st.sampled_from(ZONES))
def test_folding_keeps_every_count_and_each_hour_lands_on_its_day(counts, tz):
    hours = [(at.replace(minute=0, second=0, microsecond=0), n) for at, n in counts]
    folded = fold_hours(hours, tz)
    assert sum(folded.values()) == sum(n for _, n in hours)
    for hour, _ in hours:
        assert local_day(hour, tz) in folded


@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)),
       st.integers(0, 400))
def test_days_are_consecutive_and_inclusive(start, length):
    listed = days(start, start + timedelta(days=length))
    assert len(listed) == length + 1 and listed[0] == start
    assert all(b - a == timedelta(days=1) for a, b in zip(listed, listed[1:], strict=False))


def test_percentiles_interpolate_like_percentile_cont():
    assert percentile([], 50) is None
    assert percentile([7], 90) == 7
    assert percentile([10, 30], 50) == 20
    assert percentile([10, 30], 90) == 28
    assert percentile([40, 10, 30], 50) == 30


@given(st.lists(st.floats(0, 1e6), min_size=1, max_size=50), st.floats(0, 100))
def test_a_percentile_lies_within_the_values_and_grows_with_p(values, p):
    value = percentile(values, p)
    assert min(values) <= value <= max(values)
    assert percentile(values, 0) == min(values) and percentile(values, 100) == max(values)
    assert percentile(values, min(100, p + 10)) >= value - 1e-9


@given(st.lists(st.floats(0, 1e6), min_size=1, max_size=60), st.integers(0, 100))
def test_the_ranks_the_database_picks_give_the_same_percentile(values, p):
    ordered = sorted(values)
    at_rank = {r: ordered[r] for r in ranks_needed(len(ordered), p)}
    assert percentile_of_ranks(len(ordered), at_rank, p) == percentile(values, p)


def test_a_histograms_percentiles_are_the_values_percentiles():
    values = [3, 3, 3, 7, 10, 10, 41, 60, 60, 61, 600]
    hist = merged([{3: 2, 7: 1, 10: 2}, {3: 1, 41: 1, 60: 2, 61: 1, 600: 1}])
    for p in (0, 25, 50, 90, 100):
        assert hist_percentile(hist, p) == percentile(values, p)
    assert hist_percentile({}, 50) is None and hist_percentile({5: 1}, 90) == 5
