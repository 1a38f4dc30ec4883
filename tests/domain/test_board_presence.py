"""Board presence: chosen availability kept, offline after the board closed too long."""

from hypothesis import given
from hypothesis import strategies as st

from liveapp.domain.board_presence import OFFLINE_AFTER, board_online, effective_availability

CHOICES = st.sampled_from(["available", "away", "offline"])
times = st.integers(min_value=0, max_value=10**10)


@given(CHOICES, times, st.integers(min_value=0, max_value=10**6))
def test_effective_availability(chosen, now, closed_for):
    result = effective_availability(chosen, now - closed_for, now)
    if chosen == "offline" or closed_for > OFFLINE_AFTER:
        assert result == "offline"
    else:
        assert result == chosen


@given(CHOICES, times)
def test_a_rep_whose_board_never_opened_is_offline(chosen, now):
    assert effective_availability(chosen, None, now) == "offline"


def test_the_two_minute_boundary():
    assert board_online(1000.0, 1120.0)
    assert not board_online(1000.0, 1120.5)
    assert board_online(1000.0, 1005.0, offline_after=5)
