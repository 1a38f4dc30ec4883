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
import csv
import functools
import ipaddress
import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import httpx

from liveapp import simulated_clients
from liveapp.domain.widget import COMPANY_SIZES

HEARTBEAT_SECONDS = 15.0
EVENTS_PATH = "/t/v1/events"
CHAT_PATH = "/t/v1/chat"
CHAT_SHARE = 0.25
MAX_REPLIES = 4  # per conversation
WAIT_FOR_REP = 240.0  # simulated seconds a visitor stays on the page waiting for a rep
QUIET_AFTER_CHAT = 90.0  # ... and after its last word, when the rep says nothing more
MAX_LINGER = 900.0  # at most this long on one page because of the chat
MIN_POLL = 0.05  # real seconds between two polls, whatever the speed
# Visitors signed in to the product (the site identifies them as they land): customers,
# and trial users whom marketing counts as leads.
SIGNED_IN_SHARE = 0.4  # of the visitors who came neither from an email nor an ad: about 26%
SIGNED_IN_CUSTOMERS = 0.6
TARGET_SHARE = 0.25  # ABM puts ads and outbound in front of the target accounts: they come
DATA = Path(__file__).resolve().parent / "data"
MARKETING_SAMPLE = DATA / "marketing.csv"
ABM_SAMPLE = DATA / "abm_accounts.csv"
CUSTOMER_STAGES = ("customer", "evangelist")
PROSPECT_STAGES = ("lead", "mql", "sql", "opportunity")


@dataclass(frozen=True)
class Company:
    """A company visitors come from: its domain and its IPv4 network (CIDR)."""

    name: str
    domain: str
    network: str

    def ip(self, rng: random.Random) -> str:
        net = ipaddress.IPv4Network(self.network)
        return str(net.network_address + rng.randint(1, max(1, net.num_addresses - 2)))


# Used when the enrichment data set (liveapp.integrations.enrichment) is not installed.
BUILTIN_COMPANIES = (
    Company("Acme Anvils", "acme-anvils.example", "198.51.100.0/24"),
    Company("Globex Logistics", "globex-logistics.example", "203.0.113.0/24"),
    Company("Initech Software", "initech.example", "192.0.2.0/24"),
    Company("Umbrella Health", "umbrella-health.example", "100.64.10.0/24"),
    Company("Hooli Cloud", "hooli-cloud.example", "100.64.11.0/24"),
    Company("Stark Fabrication", "stark-fab.example", "100.64.12.0/24"),
    Company("Wayne Freight", "wayne-freight.example", "100.64.13.0/24"),
    Company("Soylent Foods", "soylent-foods.example", "100.64.14.0/24"),
)
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
INDUSTRIES = ("Software", "Logistics", "Healthcare", "Manufacturing", "Retail", "Finance")
SALES_WORDS = ("sales", "talk", "demo", "chat", "contact", "expert", "someone")
FIRST_REPLIES = (
    "Hi! We're comparing plans: what would the Team plan cost for {seats} seats?",
    "Hello, quick one: is there an annual discount for around {seats} users?",
    "Hi, we're a team of {seats}. Which plan would you recommend?",
    "Hey! Does the Business plan include SSO, or is that Enterprise only?",
)
MORE_REPLIES = (
    "Do you support SSO with Okta or Azure AD?",
    "How does the Salesforce integration work? We'd need leads synced both ways.",
    "Can we start with a 14-day trial before we commit?",
    "Is there a price break if we go above {seats} seats next year?",
    "Do you have a DPA and SOC 2 report we could share with our security team?",
    "Does it work with HubSpot too, or only Salesforce?",
    "Could we get a demo next week? Tuesday or Wednesday afternoon works for us.",
    "Who else in {industry} uses it? A case study would help me make the case internally.",
)
LAST_REPLIES = (
    "Great, that's really helpful. Thanks!",
    "Perfect, I'll share this with my manager and get back to you.",
    "Thanks! Can you send that over by email as well?",
    "Sounds good, let's set up that demo. Thank you!",
)
FIRST_NAMES = ("alex", "sam", "jordan", "taylor", "morgan", "casey", "riley", "jamie")
LAST_NAMES = ("lee", "garcia", "smith", "khan", "novak", "okafor", "silva", "tanaka")


@functools.cache
def company_pool() -> tuple[Company, ...]:
    """The demo data set's companies that have an IP range (so reverse IP finds them),
    else a small built-in list."""
    try:
        from liveapp.integrations.enrichment import CompanyDirectory
    except ImportError:
        return BUILTIN_COMPANIES
    companies = tuple(Company(c.name, c.domain, c.ip_range)
                      for c in CompanyDirectory.default().companies if c.ip_range)
    return companies or BUILTIN_COMPANIES


@functools.cache
def crm_identities() -> tuple[str, ...]:
    """Emails the CRM sandbox knows (Contacts and Leads of the demo fixture), so the
    visitors the simulator identifies get their owners resolved in the demo."""
    try:
        from liveapp.demo.crm_sandbox.fixture import identities
    except ImportError:
        return ()
    return tuple(sorted({i["email"] for i in identities() if i["email"]}))


@functools.cache
def target_companies() -> tuple[Company, ...]:
    """The companies of `company_pool` on the demo's ABM target list (imported by the seed)."""
    try:
        with ABM_SAMPLE.open(newline="") as sample:
            domains = {row["domain"].lower() for row in csv.DictReader(sample)}
    except OSError:
        return ()
    return tuple(c for c in company_pool() if c.domain.lower() in domains)


@functools.cache
def marketing_people(stages: tuple[str, ...]) -> tuple[str, ...]:
    """Emails of the demo's marketing automation sample (imported by the demo seed) whose
    lifecycle stage is one of `stages`."""
    try:
        with MARKETING_SAMPLE.open(newline="") as sample:
            return tuple(row["email"] for row in csv.DictReader(sample)
                         if row.get("lifecycle_stage", "").lower() in stages)
    except OSError:
        return ()


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


def is_sales_button(label: str) -> bool:
    return any(word in label.lower() for word in SALES_WORDS)


def pick_button(buttons: list[str], rng: random.Random) -> str:
    """Mostly the button that asks for a person ("Talk to sales"), else another one."""
    sales = [b for b in buttons if is_sales_button(b)]
    others = [b for b in buttons if not is_sales_button(b)]
    if sales and (not others or rng.random() < 0.85):
        return rng.choice(sales)
    return rng.choice(others or buttons)


def pick_answer(step: dict, email: str, rng: random.Random) -> str | None:
    """What a visitor answers to a buttons or question step (as `GET /t/v1/chat` returns
    it): mostly the button that asks for a person, else another one; their email; a
    company size or an industry. None when there is nothing to click."""
    if step.get("type") == "buttons":
        labels = [b.get("label") for b in step.get("buttons") or () if isinstance(b, dict)]
        labels = [label for label in labels if isinstance(label, str) and label.strip()]
        return pick_button(labels, rng) if labels else None
    if step.get("question") == "email":
        return email
    if step.get("question") == "company_size":
        return rng.choice(COMPANY_SIZES)
    return rng.choice(INDUSTRIES)


def pick_reply(turn: int, rng: random.Random) -> str:
    """The visitor's `turn`-th answer to a rep (0 first): a question first, more
    questions, and a thank-you as the last of MAX_REPLIES."""
    if turn == 0:
        pool = FIRST_REPLIES
    elif turn >= MAX_REPLIES - 1:
        pool = LAST_REPLIES
    else:
        pool = MORE_REPLIES
    return rng.choice(pool).format(seats=rng.choice((5, 12, 25, 40, 80, 150)),
                                   industry=rng.choice(INDUSTRIES).lower())


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
