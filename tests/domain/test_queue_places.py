"""A waiting visitor's place in line and the estimate of their wait (domain/queue_places)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liveapp.domain.queue_places import MIN_SAMPLES, Place, estimate, ordinal, place


@pytest.mark.parametrize(("n", "said"), [
    (1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"),
    (13, "13th"), (21, "21st"), (22, "22nd"), (101, "101st"), (111, "111th"), (112, "112th"),
])
def test_ordinals(n, said):
    assert ordinal(n) == said


def test_no_estimate_without_enough_recent_accepts():
    assert estimate(2, [30.0] * (MIN_SAMPLES - 1)) is None
    assert place(2, []).text == "You're 2nd in line."
    assert place(1, []).text == "You're next in line."


def test_the_estimate_is_the_median_wait_times_the_place():
    waits = [20.0, 40.0, 45.0, 600.0]  # one long wait does not swing it
    assert estimate(1, waits) == 42
    assert place(2, waits).text == "You're 2nd in line, about 1 minute."
    assert place(1, [10.0, 12.0, 20.0]).text == "You're next in line, less than a minute."
    assert place(5, [200.0] * 3).text == "You're 5th in line, about 17 minutes."
    assert place(20, [200.0] * 3).text == "You're 20th in line, more than 30 minutes."
    assert place(3, [30.0] * 3).to_dict() == {
        "position": 3, "estimate_seconds": 90, "text": "You're 3rd in line, about 2 minutes."}


@given(st.lists(st.floats(0, 3600), min_size=MIN_SAMPLES, max_size=50),
       st.integers(1, 200))
def test_further_back_never_waits_less(waits, position):
    here, behind = estimate(position, waits), estimate(position + 1, waits)
    assert here is not None and behind is not None and 0 <= here <= behind


@given(st.integers(1, 500), st.one_of(st.none(), st.integers(0, 100_000)))
def test_every_place_says_where_and_never_an_empty_estimate(position, seconds):
    text = Place(position, seconds).text
    assert text.startswith("You're ") and text.endswith(".") and " in line" in text
    assert ("about" in text or "minute" in text) == (seconds is not None)
