"""Who may subscribe to which live-event channel (pure rule, many cases)."""

from hypothesis import given
from hypothesis import strategies as st

from liveapp.domain.channels import (
    ADMIN_CHANNEL,
    MAX_CHANNELS,
    Decision,
    Subscriber,
    may_subscribe,
    may_subscribe_all,
    rep_channel,
    rep_id_of,
    visitor_channel,
)

ids = st.integers(min_value=1, max_value=10**9)
visitor_ids = st.uuids().map(str)
channels = st.one_of(
    ids.map(rep_channel), visitor_ids.map(visitor_channel), st.just(ADMIN_CHANNEL), st.text()
)


@given(channels, st.one_of(st.none(), visitor_ids))
def test_nobody_signed_in_gets_only_their_own_visitor_channel(channel, visitor_id):
    decision = may_subscribe(channel, Subscriber(visitor_id=visitor_id))
    if visitor_id is not None and channel == visitor_channel(visitor_id):
        assert decision is Decision.ALLOW
    elif channel.startswith("visitor:") and channel != "visitor:":
        assert decision is Decision.FORBIDDEN
    else:
        assert decision is Decision.UNAUTHENTICATED


@given(ids, st.booleans(), channels)
def test_users_get_their_own_board_and_admins_the_admin_channel(user_id, is_admin, channel):
    decision = may_subscribe(channel, Subscriber(user_id=user_id, is_admin=is_admin))
    allowed = channel == rep_channel(user_id) or (is_admin and channel == ADMIN_CHANNEL)
    assert decision is (Decision.ALLOW if allowed else Decision.FORBIDDEN)


@given(ids, ids)
def test_a_rep_never_gets_another_reps_board(me, other):
    decision = may_subscribe(rep_channel(other), Subscriber(user_id=me, is_admin=True))
    assert (decision is Decision.ALLOW) == (me == other)


def test_rep_id_of_accepts_only_canonical_ids():
    assert rep_id_of("rep:5") == 5
    for channel in ("rep:05", "rep:", "rep:x", "admin", "visitor:5", "rep:5:x", "rep:-5"):
        assert rep_id_of(channel) is None


@given(st.lists(channels, max_size=5), ids, st.booleans())
def test_a_stream_of_several_channels_needs_every_one(chosen, user_id, is_admin):
    who = Subscriber(user_id=user_id, is_admin=is_admin)
    decision = may_subscribe_all(chosen, who)
    each_allowed = all(may_subscribe(c, who) is Decision.ALLOW for c in chosen)
    allowed = bool(chosen) and each_allowed and len(chosen) <= MAX_CHANNELS
    assert (decision is Decision.ALLOW) == allowed
