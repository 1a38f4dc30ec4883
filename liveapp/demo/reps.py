"""Simulated reps for `liveapp demo` (`python -m liveapp.demo.reps`): a few of the demo's
reps at their desks, as real clients of the product over HTTP.

Each signs in through the login form (its CSRF token), sets itself available, keeps its
board's event stream open (its presence for routing) and reacts to what arrives there as
a person would: an inbound chat prompt (an `offer` event) is accepted after a few seconds
(`POST /conversations/claim/<visitor>`, origin "inbound"), declined (`POST
/offers/<visitor>/decline`) or left to time out, as `rep_choices.choose` draws it from a
seeded generator; a chat a colleague hands it (a transfer prompt, in the same place) is
accepted (`POST /transfers/<conversation>/accept`), declined with a reason (`POST
/transfers/<conversation>/decline`) or left to run out, as `rep_choices.choose_transfer`
draws it; in its chats, its own or handed over, it greets, answers the visitor's first
message now and then (`POST /conversations/<id>/messages`) and closes the chat after a
quiet while; now and then it pounces on an active visitor of its board. Every write
carries the CSRF token, one action a `Temper.min_gap` at most; SIGTERM or Ctrl-C stops it
(its streams close).

With the demo's simulator key its requests come from an office address of their own
(liveapp.simulated_clients), so they never use up the sign-in limit of this machine's.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import random
import signal
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import unescape

import click
import httpx

from liveapp import simulated_clients
from liveapp.demo import rep_choices
from liveapp.demo.rep_board import (
    ACTIVE_CARD,
    CSRF_META,
    STARTED,
    STREAM,
    VISITOR_WROTE,
    Offer,
    frames,
    offers,
    shown,
)
from liveapp.demo.rep_choices import ACCEPT, DECLINE, RepStats, Temper
from liveapp.demo.seeding import DEMO_PASSWORD, SIMULATED_REPS, DemoUser, simulated_users
from liveapp.demo.simulator import wait_until_up

log = logging.getLogger(__name__)

OFFICE = "203.0.113.{}"  # the simulated reps' addresses (a documentation range)
RECONNECT = 2.0  # real seconds before signing in again after the stream ended


@dataclass
class Chat:
    visitor_id: str
    conversation_id: int
    heard: asyncio.Event = field(default_factory=asyncio.Event)


class SimulatedRep:
    """One demo rep, run by `run()` until cancelled (signing in again when its stream
    ends)."""

    def __init__(self, base_url: str, user: DemoUser, seed: object, temper: Temper,
                 speed: float, stats: RepStats, address: str | None = None,
                 simulator_key: str = "", password: str = DEMO_PASSWORD) -> None:
        self.base_url = base_url.rstrip("/")
        self.user, self.password = user, password
        self.temper, self.speed, self.stats = temper, speed, stats
        # Offers and transfers decide from their own generators, chats and pounces from
        # theirs: the decisions on offers follow the seed whatever the chats do.
        self.offers_rng = random.Random(f"{seed} offers {user.email}")
        self.transfers_rng = random.Random(f"{seed} transfers {user.email}")
        self.chats_rng = random.Random(f"{seed} chats {user.email}")
        self.pounce_rng = random.Random(f"{seed} pounces {user.email}")
        self.headers = {"HX-Request": "true"}
        if simulator_key and address:
            self.headers[simulated_clients.HEADER] = simulated_clients.signed(
                simulator_key, address)
        self.client = httpx.AsyncClient(base_url=self.base_url, timeout=10.0,
                                        headers=self.headers)
        self.csrf = ""
        self.stream_url = ""
        self.pending: dict[str, asyncio.Task | None] = {}  # offers decided, still shown
        self.chats: dict[str, Chat] = {}
        self.accepting: set[str] = set()  # accepts decided, not clicked yet (offer keys)
        self.tasks: set[asyncio.Task] = set()
        self.lock = asyncio.Lock()
        self.last_action = 0.0

    # -------------------------------------------------------------- plumbing
    def spawn(self, coroutine) -> asyncio.Task:
        task = asyncio.create_task(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.done)
        return task

    def done(self, task: asyncio.Task) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.stats.errors += 1
            log.warning("%s: %r", self.user.name, task.exception())

    async def sleep(self, simulated: float) -> None:
        await asyncio.sleep(max(simulated / self.speed, 0.01))

    async def post(self, path: str, data: dict | None = None) -> httpx.Response | None:
        """A POST as the board sends it (CSRF header), one `min_gap` after the last."""
        async with self.lock:
            loop = asyncio.get_running_loop()
            wait = self.last_action + self.temper.min_gap - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            self.last_action = loop.time()
        try:
            return await self.client.post(path, data=data or {},
                                          headers={"X-CSRFToken": self.csrf})
        except httpx.HTTPError:
            self.stats.errors += 1
            return None

    async def close(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.client.aclose()

    # -------------------------------------------------------------- signing in
    async def sign_in(self) -> None:
        """The login form, then the board (its CSRF token and its stream's URL)."""
        self.client.cookies.clear()  # a fresh session, whatever ended the last one
        page = await self.client.get("/auth/login")
        token = CSRF_META.search(page.text)
        signed = await self.client.post("/auth/login", data={
            "email": self.user.email, "password": self.password,
            "csrf_token": token.group(1) if token else ""})
        board = await self.client.get("/")
        csrf, stream = CSRF_META.search(board.text), STREAM.search(board.text)
        if signed.status_code != 303 or board.status_code != 200 or not csrf or not stream:
            raise RuntimeError(f"{self.user.email} could not sign in ({signed.status_code})")
        self.csrf, self.stream_url = csrf.group(1), unescape(stream.group(1))
        await self.post("/auth/availability", {"availability": "available"})

    async def run(self) -> None:
        failures = 0
        try:
            while True:
                try:
                    await self.sign_in()
                    log.info("%s is at their board", self.user.name)
                    failures = 0
                    await self.board()
                except Exception as failed:  # a rep never takes the demo down: again later
                    self.stats.errors += 1
                    failures += 1
                    log.warning("%s: %r", self.user.name, failed)
                # Not a sign-in a second when the server is away: its limits count them.
                await asyncio.sleep(min(RECONNECT * 2 ** failures, 60.0))
        finally:
            await self.close()

    async def board(self) -> None:
        """The board's stream open, read until it ends; pouncing meanwhile."""
        timeout = httpx.Timeout(10.0, read=60.0)  # a ping comes every 15 s
        pouncing = self.spawn(self.pounce()) if self.temper.pounce_every else None
        try:
            async with self.client.stream("GET", self.stream_url, timeout=timeout) as res:
                if res.status_code != 200:
                    raise RuntimeError(f"board stream answered {res.status_code}")
                await self.resync()
                async for event, data in frames(res.aiter_lines()):
                    await self.on_event(event, data)
        finally:
            if pouncing is not None:
                pouncing.cancel()

    # -------------------------------------------------------------- the stream
    async def on_event(self, event: str, data: str) -> None:
        if event == "offer":
            showing = offers(data)
            self.offered(showing, shown(data) - set(showing))
        elif event in ("resync", "refresh"):
            await self.resync()
        elif event.startswith("visitor-") and VISITOR_WROTE in data:
            chat = self.chats.get(event.removeprefix("visitor-"))
            if chat is not None:
                chat.heard.set()

    async def resync(self) -> None:
        """The prompts as the board re-fetches them: decide the new, forget the gone."""
        res = await self.client.get("/offers/")
        if res.status_code == 200:
            showing = offers(res.text)
            self.offered(showing, set(self.pending) - set(showing))

    def offered(self, showing: dict[str, Offer], gone: set[str]) -> None:
        for key in gone:
            task = self.pending.pop(key, None)
            if task is not None:
                task.cancel()  # a prompt that went away is not clicked
        for key, offer in showing.items():
            if key in self.pending or offer.visitor_id in self.chats:
                continue  # the same prompt again (the visitor moved on to another page)
            left = None if offer.until is None else (offer.until - time.time()) * self.speed
            choice = (rep_choices.choose_transfer(self.transfers_rng, self.temper, left,
                                                  busy=self.busy())
                      if offer.conversation_id else
                      rep_choices.choose(self.offers_rng, self.temper, left, busy=self.busy()))
            log.info("%s: %s %s in %.1f s", self.user.name, choice.action, key,
                     choice.after / self.speed)
            if choice.action == ACCEPT:
                self.accepting.add(key)
                self.pending[key] = self.spawn(self.accept(offer, choice.after))
            elif choice.action == DECLINE:
                self.pending[key] = self.spawn(self.decline(offer, choice))
            else:
                self.pending[key] = None
                self.stats.count(offer, "let_pass")

    # -------------------------------------------------------------- acting
    def clicking(self, key: str) -> None:
        """The click is on its way: the prompt going away now (because of it) must not
        cancel the request."""
        if key in self.pending:
            self.pending[key] = None

    def busy(self) -> bool:
        """At `max_chats`, counting the chats being accepted."""
        return len(self.chats) + len(self.accepting) >= self.temper.max_chats

    async def accept(self, offer: Offer, after: float) -> None:
        try:
            await self.sleep(after)
        finally:
            self.accepting.discard(offer.key)
        if len(self.chats) >= self.temper.max_chats:  # hands full meanwhile (a pounce)
            self.stats.count(offer, "let_pass")
            return
        self.clicking(offer.key)
        if offer.conversation_id is None:
            taken = await self.claim(offer.visitor_id, "inbound")
        else:  # the transfer prompt's Accept: the chat is ours once it answers 201
            res = await self.post(f"/transfers/{offer.conversation_id}/accept")
            taken = self.took(res, offer.visitor_id, offer.conversation_id)
        if taken:
            self.stats.count(offer, "accepted")

    async def decline(self, offer: Offer, choice: rep_choices.Choice) -> None:
        await self.sleep(choice.after)
        self.clicking(offer.key)
        res = await self.post(f"/offers/{offer.visitor_id}/decline"
                              if offer.conversation_id is None else
                              f"/transfers/{offer.conversation_id}/decline",
                              {"reason": choice.reason} if choice.reason else None)
        if res is not None and res.status_code == 200:
            self.stats.count(offer, "declined")
        elif res is not None:
            self.stats.refused += 1

    async def claim(self, visitor_id: str, origin: str) -> bool:
        res = await self.post(f"/conversations/claim/{visitor_id}", {"origin": origin})
        started = STARTED.search(res.text) if res is not None and res.status_code == 201 \
            else None
        return self.took(res, visitor_id, int(started.group(1)) if started else None)

    def took(self, res: httpx.Response | None, visitor_id: str,
             conversation_id: int | None) -> bool:
        """The chat is ours when the click answered 201 (a refusal: someone was faster, or
        it went meanwhile): then the conversation is carried on."""
        if res is None or res.status_code != 201 or conversation_id is None:
            self.stats.refused += res is not None
            return False
        chat = Chat(visitor_id, conversation_id)
        self.chats[visitor_id] = chat
        self.spawn(self.converse(chat, random.Random(self.chats_rng.random())))
        return True

    async def converse(self, chat: Chat, rng: random.Random) -> None:
        """Greet, answer the visitor once now and then, close after a quiet while."""
        temper = self.temper
        try:
            await self.sleep(rep_choices.pause(rng, temper.greet_delay))
            await self.say(chat, rep_choices.greeting(rng, self.user.name))
            written, talked = 1, 0.0
            while talked < temper.longest_chat:
                quiet = rep_choices.pause(rng, temper.close_after)
                try:
                    await asyncio.wait_for(chat.heard.wait(), quiet / self.speed)
                except TimeoutError:
                    break  # quiet long enough: done
                chat.heard.clear()
                talked += quiet
                if written < 2 and rng.random() < temper.answer_share:
                    await self.sleep(rep_choices.pause(rng, temper.answer_delay))
                    await self.say(chat, rep_choices.answer(rng))
                    written += 1
            res = await self.post(f"/conversations/{chat.conversation_id}/close")
            self.stats.closed += res is not None and res.status_code == 200
        finally:
            self.chats.pop(chat.visitor_id, None)

    async def say(self, chat: Chat, body: str) -> None:
        res = await self.post(f"/conversations/{chat.conversation_id}/messages",
                              {"body": body})
        if res is not None and res.status_code == 201:
            self.stats.messages += 1

    async def pounce(self) -> None:
        """Now and then, start a chat with an active visitor of the board."""
        while True:
            await self.sleep(rep_choices.pause(self.pounce_rng, self.temper.pounce_every))
            if self.busy():
                continue
            res = await self.client.get("/board/body")
            seen = sorted(set(ACTIVE_CARD.findall(res.text)) - set(self.chats)
                          - set(self.pending)) if res.status_code == 200 else []
            if seen and await self.claim(self.pounce_rng.choice(seen), "pounce"):
                self.stats.pounces += 1


async def simulate_reps(base_url: str, stats: RepStats, names: Iterable[str] = SIMULATED_REPS,
                        speed: float = 1.0, seed: object = None, temper: Temper | None = None,
                        simulator_key: str = "", startup_timeout: float = 60.0) -> None:
    """Run the simulated reps until cancelled. `speed` > 1 compresses their delays (tests)."""
    async with httpx.AsyncClient(timeout=10.0) as client:
        if not await wait_until_up(client, base_url.rstrip("/"), startup_timeout):
            raise RuntimeError(f"{base_url} did not answer /healthz")
    temper = temper or Temper()
    seed = random.randrange(2**32) if seed is None else seed  # no seed: another demo each time
    reps = [SimulatedRep(base_url, user, seed, temper, speed, stats, OFFICE.format(10 + i),
                         simulator_key) for i, user in enumerate(simulated_users(names))]
    await asyncio.gather(*(rep.run() for rep in reps))


def run(base_url: str, **options) -> RepStats:
    """Until SIGTERM or Ctrl-C, which cancel the reps (their streams close); their stats."""
    stats = RepStats()

    async def main() -> None:
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, task.cancel)
        with contextlib.suppress(asyncio.CancelledError):
            await simulate_reps(base_url, stats, **options)

    asyncio.run(main())
    return stats


@click.command()
@click.option("--url", "base_url", default="http://127.0.0.1:8000", show_default=True)
@click.option("--reps", default=",".join(SIMULATED_REPS), show_default=True,
              help="the demo reps simulated (their emails' first part)")
@click.option("--speed", default=1.0, show_default=True, help="time compression factor")
@click.option("--seed", default=None, type=int, help="random seed, for repeatable runs")
@click.option("--pounce/--no-pounce", default=True, show_default=True)
@click.option("--verbose", is_flag=True, help="log each sign-in and decision")
def main(base_url: str, reps: str, speed: float, seed: int | None, pounce: bool,
         verbose: bool) -> None:
    """Simulated demo reps at their boards, over HTTP (`liveapp demo` runs this)."""
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s reps %(message)s")
    log.setLevel(logging.INFO if verbose else logging.WARNING)
    temper = Temper() if pounce else Temper(pounce_every=None)
    stats = run(base_url, names=reps.split(","), speed=speed, seed=seed, temper=temper,
                simulator_key=os.environ.get(simulated_clients.KEY_VARIABLE, ""))
    click.echo("simulated reps: " + ", ".join(f"{n} {what.replace('_', ' ')}" for what, n
                                              in dataclasses.asdict(stats).items()), err=True)


if __name__ == "__main__":
    main()
