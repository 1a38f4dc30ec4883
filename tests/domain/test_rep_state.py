"""A rep's routing state in words for admins: the reason routing itself gives."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liveapp.domain.routing import decide, is_eligible, rep_state
from tests.domain.routing_builders import crm, rep, rule, salesforce, sf_id

HOURS = "Mon–Fri 09:00–17:00 (Europe/Paris)"


@pytest.mark.parametrize(("fields", "words"), [
    ({}, "Available (board open)"),
    ({"availability": "offline", "board_closed": True}, "Offline (board closed)"),
    ({"availability": "offline"}, "Offline"),
    ({"availability": "away"}, "Away"),
    ({"in_working_hours": False}, f"Outside working hours: {HOURS}"),
    ({"open_chats": 3, "max_chats": 3}, "At their chat limit (3/3)"),
    ({"is_chat_user": False}, "Not a chat user"),
    ({"active": False, "availability": "offline"}, "Deactivated"),
])
def test_each_state_in_words(fields, words):
    assert rep_state(rep(2, **fields), HOURS).words == words


def test_without_hours_in_words_the_reason_stands_alone():
    assert rep_state(rep(2, in_working_hours=False)).words == "Outside working hours"


@given(
    availability=st.sampled_from(["available", "away", "offline"]),
    board_closed=st.booleans(), chat_user=st.booleans(), active=st.booleans(),
    in_hours=st.booleans(), open_chats=st.integers(0, 4), max_chats=st.integers(1, 3),
)
def test_the_state_is_the_one_routing_decides_by(availability, board_closed, chat_user,
                                                 active, in_hours, open_chats, max_chats):
    bob = rep(2, availability=availability, board_closed=board_closed,
              is_chat_user=chat_user, active=active, in_working_hours=in_hours,
              open_chats=open_chats, max_chats=max_chats, salesforce_user_id=sf_id(2))
    state = rep_state(bob)
    assert state.eligible == is_eligible(bob)
    facts = crm(salesforce=salesforce(record_type="Contact", owner_user_id=sf_id(2)))
    decision = decide([rule(salesforce_owner=True, route_to_all=True)], {1}, [bob], facts)
    if state.eligible:
        assert decision.offer_to == (2,)
    else:  # the owner step names the rep and the reason, as the admin sees it
        reason = state.words[:1].lower() + state.words[1:]
        assert f"Salesforce Contact owner Bob Baker is {reason}" in decision.trace
