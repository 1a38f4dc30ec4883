"""Presence rules, pure: controlled time, no app."""

from hypothesis import given
from hypothesis import strategies as st

from liveapp.domain.visitor_presence import (
    ACTIVE,
    IDLE,
    LEAVE_GRACE,
    LEFT,
    Presence,
    arrived,
    expire,
    on_event,
    state_at,
)

T0 = 1_000_000.0


def test_activity_makes_active():
    for kind in ("page_view", "identify"):
        assert on_event(None, kind, True, T0).state == ACTIVE
    idle = Presence(IDLE, T0 - 100, T0 - 5)
    assert on_event(idle, "heartbeat", True, T0) == Presence(ACTIVE, T0, T0)


def test_idle_after_30_seconds_without_activity():
    p = arrived(T0)
    assert expire(p, T0 + 29.9).state == ACTIVE
    p = on_event(p, "heartbeat", False, T0 + 15)
    assert p.state == ACTIVE and p.last_activity == T0
    p = on_event(p, "heartbeat", False, T0 + 30)
    assert p.state == IDLE


def test_left_after_60_seconds_without_any_heartbeat():
    p = arrived(T0)
    assert expire(p, T0 + 59).state == IDLE
    assert expire(p, T0 + 60).state == LEFT
    p = on_event(p, "heartbeat", False, T0 + 50)
    assert expire(p, T0 + 100).state == IDLE


def test_leave_is_left_after_a_short_grace():
    p = on_event(arrived(T0), "leave", True, T0 + 5)
    assert p.state == ACTIVE  # the next page of a multi-page visit may be on its way
    assert expire(p, T0 + 5 + LEAVE_GRACE - 0.1).state == ACTIVE
    assert expire(p, T0 + 5 + LEAVE_GRACE).state == LEFT
    assert on_event(p, "page_view", True, T0 + 6).state == ACTIVE
    assert on_event(p, "heartbeat", False, T0 + 6).state == ACTIVE  # recent activity
    assert on_event(p, "heartbeat", False, T0 + 40).state == IDLE


def test_passive_heartbeat_from_nowhere_is_idle():
    assert on_event(None, "heartbeat", False, T0).state == IDLE


times = st.floats(min_value=0, max_value=1000, allow_nan=False)


@given(st.lists(st.tuples(st.sampled_from(["page_view", "heartbeat", "identify", "leave"]),
                          st.booleans(), times), max_size=20), times)
def test_state_is_consistent_with_timestamps(events, later):
    p = None
    now = T0
    for kind, active, gap in events:
        now += gap
        p = on_event(p, kind, active, now)
        if p.state != LEFT and kind != "leave":
            assert p.state == state_at(p, now)
            assert p.last_activity <= p.last_heartbeat
    if p is not None:
        moved = expire(p, now + later)
        assert moved.state in (ACTIVE, IDLE, LEFT)
        if p.state == LEFT:
            assert moved.state == LEFT
        assert expire(moved, now + later) == moved  # idempotent
