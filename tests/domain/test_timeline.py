"""When a routing change is a new decision for the visitor's timeline."""

from hypothesis import given
from hypothesis import strategies as st

from liveapp.domain.timeline import routing_key

reps = st.lists(st.integers(1, 6), max_size=4)
decisions = st.fixed_dictionaries({
    "outcome": st.sampled_from(["offer", "queue", "meeting_booker", "none", "no_rule"]),
    "trigger": st.sampled_from(["pounce", "inbound"]),
    "rule_name": st.sampled_from(["Everyone", "Target accounts"]),
    "mode": st.sampled_from(["first_available", "round_robin", "balanced"]),
    "routed_to": reps, "offered_to": reps,
    "claimed_by": st.none() | st.integers(1, 6),
    "explanation": st.text(max_size=20), "at": st.floats(0, 1e10),
    "offer_until": st.none() | st.floats(0, 1e10),
})


@given(decisions, st.text(max_size=20), st.floats(0, 1e10), st.randoms())
def test_times_wording_and_rep_order_do_not_make_a_new_decision(data, words, at, rng):
    again = {**data, "explanation": words, "at": at, "offer_until": at + 30,
             "routed_to": rng.sample(data["routed_to"], len(data["routed_to"])),
             "offered_to": list(reversed(data["offered_to"]))}
    assert routing_key(again) == routing_key(data)


@given(decisions, decisions)
def test_a_different_outcome_rule_rep_or_claim_is_a_new_decision(one, other):
    fields = ("outcome", "trigger", "rule_name", "mode", "claimed_by")
    same = all(one[f] == other[f] for f in fields) and all(
        set(one[f]) == set(other[f]) for f in ("routed_to", "offered_to"))
    assert (routing_key(one) == routing_key(other)) == same


@given(decisions)
def test_a_clearing_is_its_own_decision(data):
    assert routing_key({"cleared": True}) == "cleared" != routing_key(data)
