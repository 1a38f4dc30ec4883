"""Who the simulator's visitors are and what they say: the companies they come from (the
demo's company data set), the emails the CRM sandbox and the demo's marketing sample
know, and their answers to the chat flow and to reps."""

from __future__ import annotations

import csv
import functools
import ipaddress
import random
from dataclasses import dataclass
from pathlib import Path

from liveapp.demo.crm_sandbox.fixture import identities
from liveapp.domain.widget import COMPANY_SIZES
from liveapp.integrations.company_directory import CompanyDirectory

MAX_REPLIES = 4  # per conversation
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


# Used when the enrichment data set has no company with an IP range.
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
    companies = tuple(Company(c.name, c.domain, c.ip_range)
                      for c in CompanyDirectory.default().companies if c.ip_range)
    return companies or BUILTIN_COMPANIES


@functools.cache
def crm_identities() -> tuple[str, ...]:
    """Emails the CRM sandbox knows (Contacts and Leads of the demo fixture), so the
    visitors the simulator identifies get their owners resolved in the demo."""
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
