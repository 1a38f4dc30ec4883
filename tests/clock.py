"""Instants the time-sensitive tests also run at, whatever hour the suite runs.

A test whose outcome could depend on the time of day, the day of the week, the date or a
time zone's rules carries `at_each_instant`: it runs once at the real time and once at
each instant below, with the process clock moved there by time-machine and ticking on
(`time.time`, `datetime.now`, `date.today`; not `time.monotonic`, so waits and timeouts
still measure real time). Production code reads the ordinary clock; nothing in it knows.

Only tests whose clock readers all run in this process can carry it: a gunicorn server,
a worker process or a browser keeps the real time. For those, see `LIVEAPP_TEST_NOW` in
tests/conftest.py, or compute the expectation from the time the test runs at.
"""

from __future__ import annotations

from datetime import datetime

import pytest

INSTANTS = {
    # The hour the first clock-dependent failure was seen at (00:50 UTC).
    "after-midnight-utc": "2026-12-03T00:50:00+00:00",
    # Ann's Tokyo morning hours start within the hour: today's slots fall away.
    "tokyo-0930": "2026-12-03T09:30:00+09:00",
    # The last minute of a week: "today" and the next five days cross into Monday.
    "sunday-2359-utc": "2026-12-06T23:59:00+00:00",
    # Europe/Paris springs forward at 01:00 UTC (02:00 local becomes 03:00).
    "paris-dst-night": "2027-03-28T00:59:00+00:00",
    # America/New_York falls back at 06:00 UTC (01:00-02:00 local happens twice).
    "new-york-dst-night": "2027-11-07T05:59:00+00:00",
    "leap-day": "2028-02-29T11:00:00+00:00",
}

at_each_instant = pytest.mark.usefixtures("clock_instant")


def parse(value: str) -> datetime:
    """An instant given as ISO 8601 with an offset, or as one of INSTANTS' names."""
    moment = datetime.fromisoformat(INSTANTS.get(value, value))
    if moment.tzinfo is None:
        raise ValueError(f"{value!r}: give an offset (…+00:00), the instant must be exact")
    return moment
