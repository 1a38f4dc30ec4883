"""The instants the time-sensitive tests run at really move the clock they read."""

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests import clock
from tests.clock import at_each_instant


@at_each_instant
def test_the_clock_reads_the_instant_and_ticks_on(clock_instant):
    if clock_instant is None:  # the real time
        assert abs(datetime.now(UTC).timestamp() - time.time()) < 1
        return
    assert abs(datetime.now(UTC) - clock_instant) < timedelta(seconds=30)
    assert abs(time.time() - clock_instant.timestamp()) < 30
    first = time.time()
    time.sleep(0.01)
    assert time.time() > first  # ticking: timeouts and waits still pass


def test_the_instants_are_the_ones_the_issue_names():
    at = {name: clock.parse(name) for name in clock.INSTANTS}
    assert at["after-midnight-utc"].astimezone(UTC).hour == 0
    tokyo = at["tokyo-0930"].astimezone(ZoneInfo("Asia/Tokyo"))
    assert (tokyo.hour, tokyo.minute) == (9, 30)
    sunday = at["sunday-2359-utc"].astimezone(UTC)
    assert (sunday.weekday(), sunday.hour, sunday.minute) == (6, 23, 59)
    for name, zone in (("paris-dst-night", "Europe/Paris"),
                       ("new-york-dst-night", "America/New_York")):
        here = ZoneInfo(zone)
        before, after = at[name], at[name] + timedelta(hours=2)
        assert before.astimezone(here).utcoffset() != after.astimezone(here).utcoffset(), name
    leap = at["leap-day"].astimezone(UTC)
    assert (leap.month, leap.day) == (2, 29)


def test_an_instant_must_say_its_offset():
    with pytest.raises(ValueError, match="offset"):
        clock.parse("2026-12-03T00:50:00")
