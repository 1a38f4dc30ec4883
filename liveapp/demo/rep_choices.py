"""What a simulated rep (liveapp.demo.reps) decides, drawn from a seeded generator: which
inbound offers and chat transfers to accept, decline or let time out and after how long,
what to write in a chat (or say when declining a transfer), when to close it and when to
pounce; and RepStats, the tally of what they did. No I/O here: the same seed draws the
same decisions in the same order, whatever the network does."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from liveapp.demo.rep_board import Offer

ACCEPT, DECLINE, LET_TIME_OUT = "accept", "decline", "let time out"
CHOICES = (ACCEPT, DECLINE, LET_TIME_OUT)

GREETINGS = (
    "Hi, {rep} here from Skylark. Happy to help: what are you looking at?",
    "Hello! I'm {rep}. Anything I can answer about our plans?",
    "Hi there, {rep} from the sales team. How can I help today?",
)
ANSWERS = (
    "Good question: I'll send you the details by email right after this chat.",
    "Yes, that's included in Team and up. Want me to book a short demo?",
    "We do. Most teams your size start on Team; I can set up a trial for you.",
    "Let me check with our solutions engineer and come back to you today.",
)
REASONS = (  # a declined transfer's reason, as the sender reads it ("" says none)
    "In a call for the next half hour.",
    "Not my territory, sorry.",
    "",
)
BUSY = "My hands are full right now."  # declining with `max_chats` open


@dataclass(frozen=True)
class Temper:
    """How a simulated rep behaves: shares of offers accepted and declined (the rest time
    out), the same for chats handed to them (a colleague asking: more often taken), and
    the human-like delays, in simulated seconds (divided by the speed)."""

    accept: float = 0.75
    decline: float = 0.12
    transfer_accept: float = 0.85
    transfer_decline: float = 0.10
    accept_delay: tuple[float, float] = (3.0, 20.0)
    decline_delay: tuple[float, float] = (2.0, 10.0)
    greet_delay: tuple[float, float] = (2.0, 6.0)
    answer_delay: tuple[float, float] = (5.0, 15.0)
    answer_share: float = 0.7  # of the chats whose visitor wrote: a second message
    close_after: tuple[float, float] = (30.0, 90.0)  # quiet before the rep closes
    longest_chat: float = 240.0  # closed by then whatever happens
    pounce_every: tuple[float, float] | None = (180.0, 480.0)  # None: never pounces
    max_chats: int = 3  # at most this many open at once (the demo users' chat limit)
    min_gap: float = 1.0  # real seconds between two of the rep's actions, at least


@dataclass(frozen=True)
class Choice:
    """What to do with one offer, and after how many simulated seconds (and, declining
    a transfer, the reason given)."""

    action: str
    after: float = 0.0
    reason: str = ""


def choose(rng: random.Random, temper: Temper, left: float | None = None,
           busy: bool = False) -> Choice:
    """The decision on one new offer. `left`: simulated seconds until its countdown ends
    (Round Robin, Balanced), None without one; `busy`: the rep has `max_chats` open.
    Always three draws, so one offer's circumstances never shift the next decisions."""
    return _decide(rng, temper, temper.accept, temper.decline, left, busy)


def choose_transfer(rng: random.Random, temper: Temper, left: float | None = None,
                    busy: bool = False) -> Choice:
    """The decision on a chat handed to the rep (its countdown: `left`), as `choose`
    decides an offer but with the transfer shares, and a fourth draw for the reason
    given when declining (always drawn too)."""
    choice = _decide(rng, temper, temper.transfer_accept, temper.transfer_decline, left, busy)
    drawn = rng.choice(REASONS)  # even when busy: the next decisions stay the seed's
    reason = BUSY if busy else drawn
    return replace(choice, reason=reason) if choice.action == DECLINE else choice


def _decide(rng: random.Random, temper: Temper, accept: float, decline: float,
            left: float | None, busy: bool) -> Choice:
    roll, delay, declining = rng.random(), rng.random(), rng.random()
    if busy:  # a person with their hands full lets it pass, or says no at once
        return Choice(DECLINE, _within(temper.decline_delay, delay)) if declining < 0.5 \
            else Choice(LET_TIME_OUT)
    if roll < accept:
        after = _within(temper.accept_delay, delay)
        if left is not None:  # hurries as the countdown runs out
            after = max(0.5, min(after, left - 2.0))
        return Choice(ACCEPT, after)
    if roll < accept + decline:
        return Choice(DECLINE, _within(temper.decline_delay, delay))
    return Choice(LET_TIME_OUT)


def _within(bounds: tuple[float, float], unit: float) -> float:
    low, high = bounds
    return low + (high - low) * unit


def greeting(rng: random.Random, rep_name: str) -> str:
    return rng.choice(GREETINGS).format(rep=rep_name.split()[0])


def answer(rng: random.Random) -> str:
    return rng.choice(ANSWERS)


def pause(rng: random.Random, bounds: tuple[float, float]) -> float:
    return rng.uniform(*bounds)


@dataclass
class RepStats:
    """What the simulated reps did (with inbound offers, then with chats handed to them)."""

    accepted: int = 0
    declined: int = 0
    let_pass: int = 0
    transfers_accepted: int = 0
    transfers_declined: int = 0
    transfers_let_pass: int = 0
    pounces: int = 0
    messages: int = 0
    closed: int = 0
    refused: int = 0  # a claim or decline the server refused (someone was faster)
    errors: int = 0

    def count(self, offer: Offer, what: str) -> None:
        """One more offer `what` ("accepted", "declined", "let_pass"), of its kind."""
        name = f"transfers_{what}" if offer.conversation_id else what
        setattr(self, name, getattr(self, name) + 1)
