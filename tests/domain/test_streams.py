"""Stream placement and membership changes."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liveapp.domain.streams import Membership, Stream, diff, first_holding, priority_order

HIGH_INTENT = Stream(1, "High Intent", 0, frozenset({10}), frozenset({100}))
TARGETS = Stream(2, "Target Accounts", 1, frozenset({20}))
CUSTOMERS = Stream(3, "Known Customers", 2, frozenset({30}))
PRICING_ONLY = Stream(4, "Pricing", 3, experience_ids=frozenset({101}))
EMPTY = Stream(5, "Empty", -1)
STREAMS = (CUSTOMERS, TARGETS, HIGH_INTENT, PRICING_ONLY, EMPTY)


def place(streams, segment_ids, experience_ids):
    """Placement as membership does it: the streams sorted once, the first that holds."""
    return first_holding(priority_order(streams), segment_ids, experience_ids)


@pytest.mark.parametrize(("segments", "experiences", "expected"), [
    ({10}, set(), 1),
    ({20}, set(), 2),
    ({20, 30}, set(), 2),
    ({10, 20, 30}, set(), 1),
    ({30}, {100}, 1),
    ({30}, {101}, 3),
    (set(), {101}, 4),
    ({99}, {999}, None),
    (set(), set(), None),
])
def test_highest_priority_stream_wins(segments, experiences, expected):
    assert place(STREAMS, segments, experiences) == expected


def test_ties_on_position_go_to_the_lower_id():
    a = Stream(7, "A", 1, frozenset({1}))
    b = Stream(3, "B", 1, frozenset({1}))
    assert place([a, b], {1}, set()) == 3
    assert [s.id for s in priority_order([a, b, Stream(9, "C", 0)])] == [9, 3, 7]


def test_an_empty_stream_holds_nobody():
    assert place([EMPTY], {1, 2, 3}, {4}) is None


streams = st.lists(
    st.builds(
        Stream,
        id=st.integers(1, 50),
        name=st.just("S"),
        position=st.integers(0, 5),
        segment_ids=st.frozensets(st.integers(1, 6), max_size=3),
        experience_ids=st.frozensets(st.integers(1, 4), max_size=2),
    ),
    max_size=6,
    unique_by=lambda s: s.id,
)


@settings(max_examples=150, deadline=None)
@given(streams, st.frozensets(st.integers(1, 6)), st.frozensets(st.integers(1, 4)))
def test_placement_is_the_first_matching_stream_in_priority_order(all_streams, segs, exps):
    placed = place(all_streams, segs, exps)
    matching = [s for s in all_streams if s.segment_ids & segs or s.experience_ids & exps]
    if not matching:
        assert placed is None
        return
    best = min(matching, key=lambda s: (s.position, s.id))
    assert placed == best.id
    assert place(list(reversed(all_streams)), segs, exps) == placed


def test_diff_reports_what_changed():
    old = Membership(frozenset({1, 2}), 100, 1)
    same = diff(old, Membership(frozenset({2, 1}), 100, 1))
    assert not same.changed
    moved = diff(old, Membership(frozenset({2, 3}), None, 2))
    assert moved.changed and moved.stream_changed and moved.experience_changed
    assert moved.joined_segments == {3} and moved.left_segments == {1}
    segments_only = diff(old, Membership(frozenset({1}), 100, 1))
    assert segments_only.changed and not segments_only.stream_changed
    assert not diff(None, Membership()).changed
    assert diff(None, Membership(stream_id=4)).stream_changed


def test_membership_round_trips_through_json_data():
    membership = Membership(frozenset({3, 1}), 7, 2)
    assert membership.to_dict() == {"segment_ids": [1, 3], "experience_id": 7, "stream_id": 2}
    assert Membership.from_dict(membership.to_dict()) == membership
    assert Membership.from_dict(None) == Membership()
