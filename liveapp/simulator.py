"""`liveapp simulate`: realistic visitor journeys sent through the real public API over HTTP.

Visitors land (some from outbound emails carrying `lv_email`/`lv_src`, some from ads with
UTM tags), read pages, visit pricing, go idle (passive heartbeats), fill a form now and
then, and leave (a beacon, or just a closed laptop that presence expiry notices). Each
company's visitors come from its own IP range, sent in X-Forwarded-For, which only the
demo's web process trusts.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode

import httpx

HEARTBEAT_SECONDS = 15.0
EVENTS_PATH = "/t/v1/events"


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
        from liveapp.integrations.sandbox.fixture import identities
    except ImportError:
        return ()
    return tuple(sorted({i["email"] for i in identities() if i["email"]}))


@dataclass
class Stats:
    """What the simulator sent and what the server answered."""

    journeys: int = 0
    statuses: Counter = field(default_factory=Counter)
    errors: int = 0

    @property
    def events(self) -> int:
        return sum(self.statuses.values())


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

    async def send(self, kind: str, **fields) -> None:
        body = {"site_key": self.site_key, "visitor_id": self.visitor_id, "type": kind, **fields}
        try:
            res = await self.client.post(self.base_url + EVENTS_PATH, json=body,
                                         headers=self.headers)
        except httpx.HTTPError:
            self.stats.errors += 1
            return
        self.stats.statuses[res.status_code] += 1

    async def wait(self, seconds: float) -> None:
        await asyncio.sleep(seconds / self.speed)

    async def dwell(self, seconds: float, active: bool) -> None:
        """Stay on the page, sending heartbeats as the snippet does."""
        while seconds > 0:
            step = min(HEARTBEAT_SECONDS, seconds)
            await self.wait(step)
            seconds -= step
            await self.send("heartbeat", active=active and self.rng.random() < 0.8)

    def page_url(self, path: str, query: dict | None = None) -> str:
        return self.base_url + path + (("?" + urlencode(query)) if query else "")

    def landing_query(self, company: Company) -> dict:
        roll = self.rng.random()
        if roll < 0.15:  # clicked through from an Outreach or Salesloft email
            self.email = self.make_email(company)
            return {"lv_email": self.email, "lv_src": self.rng.choice(["outreach", "salesloft"])}
        if roll < 0.35:
            return {"utm_source": self.rng.choice(["google", "linkedin", "newsletter"]),
                    "utm_medium": "cpc", "utm_campaign": "q4-pipeline"}
        return {}

    def make_email(self, company: Company) -> str:
        """Mostly someone the CRMs know; now and then a stranger from the visitor's company."""
        known = crm_identities()
        if known and self.rng.random() < 0.8:
            return self.rng.choice(known)
        return f"{self.rng.choice(FIRST_NAMES)}.{self.rng.choice(LAST_NAMES)}@{company.domain}"

    def path(self) -> list[tuple[str, str]]:
        """Landing page, then a few pages; pricing is where buyers go."""
        pages = [self.rng.choice(PAGES[:3])]
        for _ in range(self.rng.randint(0, 5)):
            pages.append(PAGES[2] if self.rng.random() < 0.35 else self.rng.choice(PAGES))
        return pages

    async def run(self) -> None:
        company = self.rng.choice(company_pool())
        self.headers = {"X-Forwarded-For": company.ip(self.rng)}
        pages = self.path()
        referrer = self.rng.choice(REFERRERS)
        for index, (path, title) in enumerate(pages):
            query = self.landing_query(company) if index == 0 else None
            fields = {"url": self.page_url(path, query), "title": title}
            if index == 0 and referrer:
                fields["referrer"] = referrer
            await self.send("page_view", **fields)
            await self.dwell(self.rng.uniform(5, 50), active=True)
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
                   startup_timeout: float = 30.0) -> Stats:
    """Keep up to `visitors` journeys going, starting `rate` new ones a second; stop after
    `total` journeys (forever when None). `speed` > 1 compresses time (for tests)."""
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
                journey = Journey(client, base_url, site_key, random.Random(rng.random()),
                                  speed, stats)
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
