"""The demo's simulated reps (liveapp.demo.reps): what they decide with a seed
(`rep_choices`), and how they read their board's prompts and stream."""

from __future__ import annotations

import asyncio
import random
from collections import Counter

from liveapp.demo import rep_choices
from liveapp.demo.rep_board import SHOWN, frames, inbound_offers
from liveapp.demo.rep_choices import ACCEPT, DECLINE, LET_TIME_OUT, Choice, Temper, choose
from liveapp.demo.seeding import DEMO_USERS, simulated_users
from liveapp.services.live import prompts


def decisions(seed: object, count: int, **kwargs) -> list[Choice]:
    rng = random.Random(seed)
    return [choose(rng, Temper(), **kwargs) for _ in range(count)]


def test_the_same_seed_draws_the_same_decisions_and_another_seed_others():
    assert decisions("demo 1", 50) == decisions("demo 1", 50)
    assert decisions("demo 1", 50) != decisions("demo 2", 50)
    # A seed's decisions, in order, whatever the run (a rep's generator is seeded
    # "<seed> offers <email>"):
    assert [(c.action, round(c.after, 1)) for c in decisions("offers 7", 8)] == [
        (ACCEPT, 9.3), (LET_TIME_OUT, 0.0), (LET_TIME_OUT, 0.0), (ACCEPT, 17.3),
        (DECLINE, 7.9), (ACCEPT, 6.7), (LET_TIME_OUT, 0.0), (ACCEPT, 15.1)]


def test_most_offers_are_accepted_after_a_human_delay_some_declined_some_left():
    made = decisions("shares", 4000)
    shares = Counter(c.action for c in made)
    assert abs(shares[ACCEPT] / 4000 - 0.75) < 0.03
    assert abs(shares[DECLINE] / 4000 - 0.12) < 0.02
    assert abs(shares[LET_TIME_OUT] / 4000 - 0.13) < 0.02
    accepts = [c.after for c in made if c.action == ACCEPT]
    assert 3.0 <= min(accepts) < 4.0 and 19.0 < max(accepts) <= 20.0
    assert all(2.0 <= c.after <= 10.0 for c in made if c.action == DECLINE)
    assert all(c.after == 0 for c in made if c.action == LET_TIME_OUT)


def test_a_countdown_hurries_the_accept_and_a_full_hand_never_accepts():
    hurried = [c for c in decisions("countdown", 500, left=6.0) if c.action == ACCEPT]
    assert hurried and all(0.5 <= c.after <= 4.0 for c in hurried)
    assert all(c.after == 0.5 for c in decisions("late", 200, left=1.0) if c.action == ACCEPT)
    busy = Counter(c.action for c in decisions("busy", 500, busy=True))
    assert busy[ACCEPT] == 0 and busy[DECLINE] > 150 and busy[LET_TIME_OUT] > 150


def test_circumstances_do_not_shift_the_next_decisions():
    """Three draws per offer whatever happens: a busy moment leaves the seed's later
    decisions as they were."""
    calm, mixed = random.Random(3), random.Random(3)
    for index in range(30):
        choose(calm, Temper())
        choose(mixed, Temper(), busy=index % 3 == 0, left=5.0 if index % 2 else None)
    assert decisions(3, 31)[-1] == choose(calm, Temper()) == choose(mixed, Temper())


def test_messages_name_the_rep_and_two_or_three_reps_are_simulated():
    assert "Bob" in rep_choices.greeting(random.Random(1), "Bob Baker")
    simulated = simulated_users()
    assert [u.name for u in simulated] == ["Bob Baker", "Cara Chen", "Dev Desai"]
    assert [u for u in DEMO_USERS if u.note == " (simulated)"] == simulated  # in the logins
    people = [u for u in DEMO_USERS if u not in simulated]
    assert {u.role for u in people} == {"admin", "rep"}  # left for a person to try
    assert {u.group for u in people if u.role == "rep"} == {"Enterprise", "Mid-Market"}


def test_the_board_prompts_are_read_as_the_board_shows_them(app_ctx):
    prompt = prompts.Prompt(visitor_id="v-1", name="Jane", company="Acme", title="Pricing",
                            url="https://x.example/pricing", rule_name="R", mode="round_robin",
                            offer_until=1_800_000_000.0)
    other = prompts.Prompt(visitor_id="v-2", name="Joe", company=None, title="", url="",
                           rule_name="R", mode="first_available", offer_until=None)
    listed = prompts.render(prompt) + prompts.render(other, oob=True)
    assert inbound_offers(listed) == {"v-1": 1_800_000_000.0, "v-2": None}
    removal = prompts.plan("v-1", None, "", {"3": "x"}, {})[0][2]
    assert inbound_offers(removal) == {} and SHOWN.findall(removal) == ["v-1"]


def test_the_stream_is_read_as_events():
    async def lines():
        for line in (": connected", "retry: 2000", "", "event: offer", "data: <div", "data: x>",
                     "", ": ping", "", "event: visitor-v-1", "data:<li>", ""):
            yield line

    async def read():
        return [frame async for frame in frames(lines())]

    assert asyncio.run(read()) == [("offer", "<div\nx>"), ("visitor-v-1", "<li>")]
