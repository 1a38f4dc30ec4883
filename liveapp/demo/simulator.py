"""`liveapp simulate`: realistic visitor journeys sent through the real public API over HTTP.

Visitors land (some from outbound emails carrying `lv_email`/`lv_src`, some from ads with
UTM tags, some signed in to the product: customers and trial users the site identifies),
read pages, visit pricing, go idle (passive heartbeats), fill a form now and then, and
leave (a beacon, or just a closed laptop that presence expiry notices). Each
company's visitors come from its own IP range, sent in a header signed with the demo's
simulator key (see liveapp.simulated_clients; without a key they all come from this
machine's address); target accounts (the demo's ABM list) come more often. The
emails are ones the CRM sandbox or the demo's marketing data know, so the visitors land in
every example stream.

A share of the visitors who reach the pricing page (`chat_share`) use the chat widget's
public API (`/t/v1/chat…`) as the widget does: they read their experience's flow, answer
what it asks as the server's flow goes (mostly "Talk to sales", then their email), ask for
a rep once the flow reached Route for Inbound Chat ("Just browsing" ends it: no request),
then, while they are on the site, poll their conversation and answer the rep's messages
with canned B2B questions (a few per conversation), or book the first free slot of the
meeting booker now and then. A visitor waiting for or chatting with a rep stays on the
page (heartbeats go on) for a while.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlencode

import httpx

from liveapp import simulated_clients
from liveapp.demo.chat_visitor import ChatVisitor, Stats
from liveapp.demo.visitors import (
    CUSTOMER_STAGES,
    FIRST_NAMES,
    LAST_NAMES,
    PROSPECT_STAGES,
    Company,
    company_pool,
    crm_identities,
    marketing_people,
    target_companies,
)

HEARTBEAT_SECONDS = 15.0
EVENTS_PATH = "/t/v1/events"
CHAT_SHARE = 0.25
MAX_LINGER = 900.0  # at most this long on one page because of the chat
# Visitors signed in to the product (the site identifies them as they land): customers,
# and trial users whom marketing counts as leads.
SIGNED_IN_SHARE = 0.4  # of the visitors who came neither from an email nor an ad: about 26%
SIGNED_IN_CUSTOMERS = 0.6
TARGET_SHARE = 0.25  # ABM puts ads and outbound in front of the target accounts: they come

SITE = "Skylark Analytics"
PAGES = (
    ("/demo-site/", SITE),
    ("/demo-site/product", f"Product · {SITE}"),
    ("/demo-site/pricing", f"Pricing · {SITE}"),
    ("/demo-site/customers", f"Customers · {SITE}"),
    ("/demo-site/docs", f"Getting started · Docs · {SITE}"),
    ("/demo-site/careers", f"Careers · {SITE}"),
    ("/demo-site/contact", f"Request a demo · {SITE}"),
)
REFERRERS = ("https://www.google.com/", "https://www.linkedin.com/", "https://news.example/",
             None, None)


@dataclass
class Journey:
    """One visitor's trip through the site."""

    client: httpx.AsyncClient
    base_url: str
    site_key: str
    rng: random.Random
    speed: float
    stats: Stats
    visitor_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    headers: dict = field(default_factory=dict)
    email: str | None = None
    chat_share: float = 0.0
    token: str | None = None  # the widget token the events API hands out
    chat: ChatVisitor | None = None
    chat_task: asyncio.Task | None = None
    signed_in: bool = False  # a customer the site identifies as they land
    simulator_key: str = ""  # signs the company address each request carries
    # Draws added after seeded journeys were relied on (tests pick seeds by what their one
    # journey does): from their own generator, so `rng` draws what it always drew.
    profile: random.Random = field(default_factory=random.Random)

    async def send(self, kind: str, **fields) -> None:
        body = {"site_key": self.site_key, "visitor_id": self.visitor_id, "type": kind, **fields}
        try:
            res = await self.client.post(self.base_url + EVENTS_PATH, json=body,
                                         headers=self.headers)
        except httpx.HTTPError:
            self.stats.errors += 1
            return
        self.stats.statuses[res.status_code] += 1
        if res.status_code == 202 and self.token is None:
            with contextlib.suppress(ValueError, AttributeError):
                token = res.json().get("token")
                self.token = token if isinstance(token, str) else None

    async def wait(self, seconds: float) -> None:
        await asyncio.sleep(seconds / self.speed)

    async def dwell(self, seconds: float, active: bool) -> None:
        """Stay on the page, sending heartbeats as the snippet does."""
        while seconds > 0:
            step = min(HEARTBEAT_SECONDS, seconds)
            await self.wait(step)
            seconds -= step
            await self.send("heartbeat", active=active and self.rng.random() < 0.8)

    def maybe_chat(self, company: Company) -> None:
        """On the pricing page, a share of visitors open the chat (once per journey)."""
        if (self.chat is not None or self.token is None or self.chat_share <= 0
                or self.rng.random() >= self.chat_share):
            return
        rng = random.Random(self.rng.random())  # its own: tasks interleave by the network
        email = self.email or (f"{rng.choice(FIRST_NAMES)}.{rng.choice(LAST_NAMES)}"
                               f"@{company.domain}")
        self.chat = ChatVisitor(self, self.token, email, rng)
        self.chat_task = asyncio.create_task(self.chat.run())

    async def linger(self) -> None:
        """Stay on the page (heartbeats go on) while the chat holds the visitor there."""
        stayed = 0.0
        while self.chat is not None and self.chat.holding and stayed < MAX_LINGER:
            await self.dwell(HEARTBEAT_SECONDS, active=True)
            stayed += HEARTBEAT_SECONDS

    async def stop_chat(self) -> None:
        if self.chat_task is not None:
            self.chat_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.chat_task

    def page_url(self, path: str, query: dict | None = None) -> str:
        return self.base_url + path + (("?" + urlencode(query)) if query else "")

    def landing_query(self, company: Company) -> dict:
        roll = self.rng.random()
        if roll < 0.15:  # clicked through from an Outreach or Salesloft email
            self.email = self.make_email(company)
            source = self.rng.choice(["outreach", "salesloft"])  # tagged as sequences tag links
            return {"lv_email": self.email, "lv_src": source, "utm_source": source,
                    "utm_medium": "email"}
        if roll < 0.35:
            return {"utm_source": self.rng.choice(["google", "linkedin", "newsletter"]),
                    "utm_medium": "cpc", "utm_campaign": "q4-pipeline"}
        if self.profile.random() < SIGNED_IN_SHARE:
            customer = self.profile.random() < SIGNED_IN_CUSTOMERS
            people = marketing_people(CUSTOMER_STAGES if customer else PROSPECT_STAGES)
            if people:
                self.email, self.signed_in = self.profile.choice(people), True
        return {}

    def pick_company(self) -> Company:
        company = self.rng.choice(company_pool())
        targets = target_companies()
        if targets and self.profile.random() < TARGET_SHARE:
            return self.profile.choice(targets)
        return company

    def make_email(self, company: Company) -> str:
        """Mostly someone the CRMs or marketing automation know (Salesforce Contacts and
        Leads, or marketing's leads); now and then a stranger from the visitor's company."""
        known, prospects = crm_identities(), marketing_people(PROSPECT_STAGES)
        if (known or prospects) and self.rng.random() < 0.8:
            email = self.rng.choice(known) if known else None
            if prospects and (email is None or self.profile.random() < 0.5):
                email = self.profile.choice(prospects)
            return email
        return f"{self.rng.choice(FIRST_NAMES)}.{self.rng.choice(LAST_NAMES)}@{company.domain}"

    def path(self) -> list[tuple[str, str]]:
        """Landing page, then a few pages; pricing is where buyers go."""
        pages = [self.rng.choice(PAGES[:3])]
        for _ in range(self.rng.randint(0, 5)):
            pages.append(PAGES[2] if self.rng.random() < 0.35 else self.rng.choice(PAGES))
        return pages

    async def run(self) -> None:
        try:
            await self.journey()
        finally:
            await self.stop_chat()

    async def journey(self) -> None:
        company = self.pick_company()
        address = company.ip(self.rng)  # drawn with or without a key: seeds stay the same
        if self.simulator_key:
            self.headers = {simulated_clients.HEADER:
                            simulated_clients.signed(self.simulator_key, address)}
        pages = self.path()
        referrer = self.rng.choice(REFERRERS)
        for index, (path, title) in enumerate(pages):
            query = self.landing_query(company) if index == 0 else None
            fields = {"url": self.page_url(path, query), "title": title}
            if index == 0 and referrer:
                fields["referrer"] = referrer
            await self.send("page_view", **fields)
            if index == 0 and self.signed_in and self.email:
                await self.send("identify", email=self.email, url=fields["url"],
                                traits={"form": "sign-in"})
            if path.endswith("pricing"):
                self.maybe_chat(company)
            await self.dwell(self.rng.uniform(5, 50), active=True)
            await self.linger()
            if self.rng.random() < 0.2:  # wandered off to another tab
                await self.dwell(self.rng.uniform(35, 80), active=False)
            if path.endswith("pricing") and not self.email and self.rng.random() < 0.25:
                self.email = self.make_email(company)
                await self.send("identify", email=self.email, url=fields["url"],
                                traits={"name": self.email.split("@")[0].replace(".", " ")
                                        .title(), "form": "contact-sales"})
            if index < len(pages) - 1:
                await self.send("leave")  # a full page load: pagehide on the old page
        if self.rng.random() < 0.7:
            await self.send("leave")
        # else: the laptop lid closed; presence expiry marks the visitor left.


async def wait_until_up(client: httpx.AsyncClient, base_url: str, timeout: float) -> bool:
    """Poll /healthz until the server answers (the demo starts everything at once)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        try:
            if (await client.get(base_url + "/healthz")).status_code < 500:
                return True
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.5)
    return False


async def simulate(base_url: str, site_key: str, visitors: int = 20, rate: float = 1.0,
                   speed: float = 1.0, total: int | None = None, seed: int | None = None,
                   startup_timeout: float = 30.0, chat_share: float = CHAT_SHARE,
                   simulator_key: str = "") -> Stats:
    """Keep up to `visitors` journeys going, starting `rate` new ones a second; stop after
    `total` journeys (forever when None). `speed` > 1 compresses time (for tests);
    `chat_share` of the visitors on the pricing page use the chat (0: none); with the
    server's `simulator_key`, visitors come from their companies' addresses."""
    base_url = base_url.rstrip("/")
    rng = random.Random(seed)
    stats = Stats()
    limits = httpx.Limits(max_connections=max(10, visitors), max_keepalive_connections=50)
    async with httpx.AsyncClient(timeout=10.0, limits=limits) as client:
        if not await wait_until_up(client, base_url, startup_timeout):
            raise RuntimeError(f"{base_url} did not answer /healthz")
        running: set[asyncio.Task] = set()
        while total is None or stats.journeys < total:
            if len(running) < visitors:
                seed_value = rng.random()
                journey = Journey(client, base_url, site_key, random.Random(seed_value),
                                  speed, stats, chat_share=chat_share,
                                  profile=random.Random(f"profile {seed_value!r}"),
                                  simulator_key=simulator_key)
                task = asyncio.create_task(journey.run())
                running.add(task)
                task.add_done_callback(running.discard)
                stats.journeys += 1
            await asyncio.sleep(1.0 / max(rate, 0.001))
        if running:
            await asyncio.gather(*running)
    return stats


def run(base_url: str, site_key: str, **options) -> Stats:
    """Synchronous entry point for the CLI and tests."""
    return asyncio.run(simulate(base_url, site_key, **options))
