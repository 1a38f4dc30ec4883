"""The demo's simulated reps (liveapp.demo.reps): what they decide with a seed
(`rep_choices`), and how they read their board's prompts and stream."""

from __future__ import annotations

import asyncio
import random
from collections import Counter

from liveapp.demo import rep_choices
from liveapp.demo.rep_board import Offer, frames, offers, shown
from liveapp.demo.rep_choices import (
    ACCEPT,
    DECLINE,
    LET_TIME_OUT,
    REASONS,
    Choice,
    RepStats,
    Temper,
    choose,
    choose_transfer,
)
from liveapp.demo.seeding import DEMO_USERS, simulated_users
from liveapp.services.chat.transfer_store import Transfer
from liveapp.services.live import prompts, transfer_prompts
from liveapp.services.live.rendering import render_template_anywhere


def decisions(seed: object, count: int, decide=choose, **kwargs) -> list[Choice]:
    rng = random.Random(seed)
    return [decide(rng, Temper(), **kwargs) for _ in range(count)]


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


def test_most_transfers_are_taken_some_declined_with_a_reason_few_run_out():
    made = decisions("transfers", 4000, choose_transfer)
    shares = Counter(c.action for c in made)
    assert abs(shares[ACCEPT] / 4000 - 0.85) < 0.03
    assert abs(shares[DECLINE] / 4000 - 0.10) < 0.02
    assert abs(shares[LET_TIME_OUT] / 4000 - 0.05) < 0.015
    assert all(3.0 <= c.after <= 20.0 and c.reason == "" for c in made if c.action == ACCEPT)
    declined = [c for c in made if c.action == DECLINE]
    assert all(2.0 <= c.after <= 10.0 for c in declined)
    assert {c.reason for c in declined} == set(REASONS)  # "" too: no reason given
    # The transfer's countdown hurries the accept; a full hand never takes it.
    hurried = decisions("hurried", 300, choose_transfer, left=5.0)
    assert all(0.5 <= c.after <= 3.0 for c in hurried if c.action == ACCEPT)
    full = decisions("full", 300, choose_transfer, busy=True)
    assert ACCEPT not in {c.action for c in full}
    assert {c.reason for c in full if c.action == DECLINE} == {rep_choices.BUSY}
    # Four draws whatever the circumstances (the reason's too), as offers have three.
    calm, mixed = random.Random(5), random.Random(5)
    for index in range(30):
        choose_transfer(calm, Temper())
        choose_transfer(mixed, Temper(), busy=index % 3 == 0, left=4.0)
    last = decisions(5, 31, choose_transfer)[-1]
    assert choose_transfer(calm, Temper()) == choose_transfer(mixed, Temper()) == last


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
    assert offers(listed) == {"v-1": Offer("v-1", 1_800_000_000.0),
                              "v-2": Offer("v-2", None)}
    removal = prompts.plan("v-1", None, "", {"3": "x"}, {})[0][2]
    assert offers(removal) == {} and "v-1" in shown(removal)


def test_a_transfer_prompt_is_read_as_the_board_shows_it(app_ctx):
    """A chat handed to the rep: its conversation, visitor and countdown, beside an inbound
    prompt; taken off (or replaced by who took it), it is named but no longer offered;
    the sender's notice is no prompt."""
    handed = Transfer("t1", 42, "v-7", 3, "Ann Archer", "Enterprise", (5, 6), "Asks about SSO",
                      1_800_000_060.0, group_id=2)
    listed = (transfer_prompts.render(transfer_prompts.TransferPrompt(handed, "Jane", "Acme"))
              + prompts.render(prompts.Prompt(
                  visitor_id="v-2", name="Joe", company=None, title="", url="",
                  rule_name="R", mode="first_available", offer_until=None)))
    assert offers(listed) == {"transfer-42": Offer("v-7", 1_800_000_060.0, 42),
                              "v-2": Offer("v-2", None)}
    assert offers(listed)["transfer-42"].key == "transfer-42"
    for taken_by in (None, "Cara Chen"):
        gone = render_template_anywhere("conversations/_transfer_gone.html",
                                        transfer=handed, taken_by=taken_by)
        assert offers(gone) == {} and shown(gone) == {"transfer-42"}
    notice = render_template_anywhere("conversations/_transfer_notice.html",
                                      transfer=handed, text="Bob declined.")
    assert offers(notice) == {} and shown(notice) == set()


def test_the_reps_count_offers_and_transfers_apart():
    stats = RepStats()
    for offer, what in ((Offer("v-1", None), "accepted"), (Offer("v-2", 1.0, 7), "accepted"),
                        (Offer("v-3", 1.0, 8), "declined"), (Offer("v-4", 1.0, 9), "let_pass"),
                        (Offer("v-5", None), "let_pass")):
        stats.count(offer, what)
    assert (stats.accepted, stats.let_pass, stats.declined) == (1, 1, 0)
    assert (stats.transfers_accepted, stats.transfers_declined,
            stats.transfers_let_pass) == (1, 1, 1)


def test_the_stream_is_read_as_events():
    async def lines():
        for line in (": connected", "retry: 2000", "", "event: offer", "data: <div", "data: x>",
                     "", ": ping", "", "event: visitor-v-1", "data:<li>", ""):
            yield line

    async def read():
        return [frame async for frame in frames(lines())]

    assert asyncio.run(read()) == [("offer", "<div\nx>"), ("visitor-v-1", "<li>")]
