"""When a conversation's visitor counts as gone, and the note closing it leaves."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liveapp.domain.abandoned_chats import closing_note, gone_for
from liveapp.domain.visitor_presence import LEFT_AFTER, arrived, on_event

times = st.floats(1e9, 2e9)
gaps = st.floats(0, 1e5)


@given(times, gaps)
def test_a_silent_visitor_counts_as_gone_from_left_after_their_last_heartbeat(t, gap):
    gone = gone_for(arrived(t), 0.0, t + gap)
    if gap < LEFT_AFTER:
        assert gone is None
    else:
        assert gone == pytest.approx(gap - LEFT_AFTER, abs=1e-3)


@given(times, st.floats(0, 1e4), st.floats(0, 1e4))
def test_a_visitor_who_came_back_is_not_gone(t, away, later):
    left = on_event(arrived(t), "leave", False, t)
    back = on_event(left, "page_view", True, t + away)
    assert gone_for(back, 0.0, t + away + min(later, LEFT_AFTER - 1)) is None


@given(times, gaps)
def test_without_hot_presence_the_last_sign_counts(t, gap):
    assert gone_for(None, t, t + LEFT_AFTER + gap) == pytest.approx(gap, abs=1e-3)


@given(times, gaps, gaps)
def test_gone_only_grows_with_time(t, a, b):
    presence = on_event(arrived(t), "leave", False, t)
    early, late = gone_for(presence, 0.0, t + a), gone_for(presence, 0.0, t + a + b)
    assert early is None or late >= early


@pytest.mark.parametrize(("seconds", "note"), [
    (0, "Closed: the visitor left the site 1 second ago"),
    (45, "Closed: the visitor left the site 45 seconds ago"),
    (60, "Closed: the visitor left the site 1 minute ago"),
    (300, "Closed: the visitor left the site 5 minutes ago"),
    (329, "Closed: the visitor left the site 5 minutes ago"),
    (3600, "Closed: the visitor left the site 60 minutes ago"),
])
def test_the_closing_note(seconds, note):
    assert closing_note(seconds) == note
