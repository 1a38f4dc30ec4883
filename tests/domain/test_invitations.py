"""Invitation triggers (domain/invitations.py): what an experience may ask of the widget."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liveapp.domain.invitations import (
    TRIGGERS,
    Invitation,
    parse_invitation,
    validate_invitation,
)

VALUED = [t for t, (_, unit, _, _) in TRIGGERS.items() if unit is not None]


def test_no_trigger_is_none():
    assert validate_invitation(None) == [] and parse_invitation(None) is None


@pytest.mark.parametrize(("raw", "problem"), [
    ({"trigger": "on_a_whim"}, "choose when the chat opens by itself"),
    ("time_on_page", "choose when the chat opens by itself"),
    ({"trigger": "time_on_page"}, "give the number of seconds"),
    ({"trigger": "time_on_page", "value": "30"}, "give the number of seconds"),
    ({"trigger": "time_on_page", "value": True}, "give the number of seconds"),
    ({"trigger": "time_on_page", "value": 0}, "between 1 and 600 seconds"),
    ({"trigger": "scroll_depth", "value": 5}, "between 10 and 100 %"),
    ({"trigger": "scroll_depth", "value": None}, "give the percentage"),
    ({"trigger": "idle", "value": 601}, "between 5 and 600 seconds"),
    ({"trigger": "exit_intent", "value": 3}, "this trigger takes no value"),
])
def test_a_bad_invitation_says_what_is_wrong(raw, problem):
    assert validate_invitation(raw) == [problem]
    with pytest.raises(ValueError, match=problem):
        parse_invitation(raw)


@given(st.sampled_from(VALUED), st.integers(-10_000, 10_000))
def test_a_valued_trigger_takes_exactly_its_range(trigger, value):
    _, unit, low, high = TRIGGERS[trigger]
    raw = {"trigger": trigger, "value": value}
    assert (validate_invitation(raw) == []) == (low <= value <= high)
    if low <= value <= high:
        assert parse_invitation(raw) == Invitation(trigger, value)
        assert parse_invitation(parse_invitation(raw).to_dict()) == Invitation(trigger, value)


def test_described_in_a_few_words():
    assert Invitation("time_on_page", 30).describe() == "After some time on the page: 30 seconds"
    assert Invitation("scroll_depth", 60).describe() == "When scrolled down the page: 60%"
    assert Invitation("exit_intent").describe() == \
        "When the pointer leaves for the tabs (desktop)"
