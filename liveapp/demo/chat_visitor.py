"""A simulated visitor's chat: the chat widget's public API (`/t/v1/chat…`) used as the
widget does, while their journey (liveapp.demo.simulator) goes on; and what the simulator
counts."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import httpx

from liveapp.demo.visitors import MAX_REPLIES, pick_answer, pick_reply

if TYPE_CHECKING:  # the journey owns its chat visitor: a cycle only for the type
    from liveapp.demo.simulator import Journey

CHAT_PATH = "/t/v1/chat"
WAIT_FOR_REP = 240.0  # simulated seconds a visitor stays on the page waiting for a rep
QUIET_AFTER_CHAT = 90.0  # ... and after its last word, when the rep says nothing more
MIN_POLL = 0.05  # real seconds between two polls, whatever the speed


@dataclass
class Stats:
    """What the simulator sent and what the server answered."""

    journeys: int = 0
    statuses: Counter = field(default_factory=Counter)
    errors: int = 0
    chat_requests: int = 0  # visitors who asked for a rep
    chat_messages: int = 0  # replies to reps
    chat_bookings: int = 0  # meetings booked
    chat_throttled: int = 0  # writes refused with 429 (dropped, not retried)
    chat_errors: int = 0  # connection errors and unexpected answers of the chat API

    @property
    def events(self) -> int:
        return sum(self.statuses.values())


class ChatVisitor:
    """A journey's visitor using the chat widget's public API, concurrently with its
    journey (an asyncio task the journey cancels when it leaves the site)."""

    def __init__(self, journey: Journey, token: str, email: str, rng: random.Random) -> None:
        self.journey = journey
        self.token = token
        self.email = email
        self.rng = rng
        self.books = rng.random() < 0.5  # at the meeting booker: books, or just leaves
        self.stats = journey.stats
        self.holding = True  # keeps the journey on its page (in the flow, waiting, chatting)
        self.replies = 0
        self.answered: object = None  # the id of the rep message answered last
        self.chatting = False
        self.since = 0.0  # loop time of the request, or of the last word in the chat

    # -------------------------------------------------------------- HTTP
    async def call(self, method: str, path: str, body: dict | None = None,
                   expect: tuple[int, ...] = (200,)) -> tuple[int, dict] | None:
        """One chat API request: (status, JSON) when it answers as expected or 409/429
        (429 counted: the action is dropped, never retried), else None (a chat error)."""
        journey = self.journey
        url = journey.base_url + CHAT_PATH + path
        try:
            if method == "GET":
                res = await journey.client.get(url, params={"token": self.token},
                                               headers=journey.headers)
            else:
                res = await journey.client.post(url, json={"token": self.token, **(body or {})},
                                                headers=journey.headers)
        except httpx.HTTPError:
            self.stats.chat_errors += 1
            return None
        if res.status_code == 429:
            self.stats.chat_throttled += 1
            return res.status_code, {}
        if res.status_code not in (*expect, 409):
            self.stats.chat_errors += 1
            return None
        try:
            data = res.json()
        except ValueError:
            self.stats.chat_errors += 1
            return None
        return res.status_code, data if isinstance(data, dict) else {}

    async def pause(self, low: float, high: float) -> None:
        """A human-like pause of low..high simulated seconds (never a tight loop)."""
        await asyncio.sleep(max(self.rng.uniform(low, high) / self.journey.speed, MIN_POLL))

    def now(self) -> float:
        return asyncio.get_running_loop().time() * self.journey.speed

    # -------------------------------------------------------------- behaviour
    async def run(self) -> None:
        try:
            if await self.ask():
                await self.follow()
        finally:
            self.holding = False

    async def ask(self) -> bool:
        """Read the flow, answer it and ask for a rep; False when the visitor stops."""
        await self.pause(2, 8)  # reads the page, opens the widget
        read = await self.call("GET", "")
        if read is None or read[0] != 200 or not read[1].get("experience"):
            return False  # no experience here: no chat
        data = read[1]
        if data.get("conversation"):  # a rep pounced first
            self.since = self.now()
            return True
        flow = await self.answer_flow(data["experience"].get("steps") or [], data.get("flow"))
        if flow is None:
            return False
        if not flow.get("can_request"):
            self.holding = False  # "Just browsing" ended it; still answers a rep who pounces
            return True
        await self.pause(1, 3)
        asked = await self.call("POST", "/request", expect=(202,))
        if asked is None or asked[0] != 202:
            return False
        self.stats.chat_requests += 1
        self.since = self.now()
        return True

    async def answer_flow(self, steps: list, flow: object) -> dict | None:
        """Answer what the flow asks, step by step, going where the server says (a button
        may end the flow); the flow as it ends up, or None when an answer failed."""
        flow = flow if isinstance(flow, dict) else {}
        for _ in steps:  # each answer moves the flow forward: at most one per step
            asking = flow.get("asking")
            if not isinstance(asking, int) or not 0 <= asking < len(steps):
                break
            value = pick_answer(steps[asking], self.email, self.rng)
            if value is None:
                return None
            await self.pause(2, 6)
            answered = await self.call("POST", "/answer", {"step": asking, "value": value})
            if answered is None or answered[0] != 200:
                return None
            if value == self.email:
                self.journey.email = self.email
            flow = answered[1].get("flow") if isinstance(answered[1].get("flow"), dict) else {}
        return flow

    async def follow(self) -> None:
        """Poll the conversation while on the site: answer the rep, maybe book a meeting."""
        while True:
            read = await self.call("GET", "")
            if read is not None and read[0] == 200:
                data = read[1]
                conversation = data.get("conversation")
                if conversation and conversation.get("status") == "open":
                    if not self.chatting:  # a rep took it (or pounced): stay and chat
                        self.chatting, self.holding, self.since = True, True, self.now()
                    await self.answer_rep(data.get("messages") or [])
                elif self.chatting:
                    return  # the rep closed the chat
                elif data.get("status") == "booker":
                    if self.books:
                        await self.book()
                    return  # leaves at the end of its journey
                elif self.holding and self.now() - self.since > WAIT_FOR_REP:
                    self.holding = False  # tired of waiting; keeps browsing
                if self.chatting and self.now() - self.since > QUIET_AFTER_CHAT:
                    self.holding = False
            else:
                return  # the chat API refused or failed: stop chatting
            await self.pause(3, 6)

    async def answer_rep(self, messages: list) -> None:
        last = messages[-1] if messages else None
        if not isinstance(last, dict) or last.get("sender") != "rep":
            return
        if last.get("id") == self.answered:
            return
        self.answered = last.get("id")
        self.since = self.now()
        if self.replies >= MAX_REPLIES:
            return
        body = pick_reply(self.replies, self.rng)
        self.replies += 1  # a refused reply is not tried again
        await self.pause(4, 6 + len(body) / 8)  # reads, then types
        sent = await self.call("POST", "/messages", {"body": body}, expect=(201,))
        if sent is not None and sent[0] == 201:
            self.stats.chat_messages += 1
            self.since = self.now()
            self.holding = True

    async def book(self) -> None:
        """The meeting booker: the first free slot, once (a taken slot is not retried)."""
        await self.pause(3, 10)
        read = await self.call("GET", "/slots")
        slots = read[1].get("slots") if read is not None and read[0] == 200 else None
        if not slots:
            return
        booked = await self.call("POST", "/meetings", {"start": slots[0], "email": self.email},
                                 expect=(201,))
        if booked is not None and booked[0] == 201:
            self.stats.chat_bookings += 1
