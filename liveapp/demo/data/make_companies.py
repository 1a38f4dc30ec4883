"""Generate the demo enrichment data set: made-up companies with fake domains and private
IPv4 ranges, plus sample ABM and marketing-automation CSVs that match some of them.

Deterministic (fixed seed): `python liveapp/demo/data/make_companies.py [FOLDER]` rewrites
companies.csv, abm_accounts.csv and marketing.csv (next to this file by default).
Every domain ends in the reserved `.example` TLD and every network lies in 10.64.0.0/10,
so nothing here names a real company or a routable public address.
"""

from __future__ import annotations

import csv
import ipaddress
import random
import re
import sys
from pathlib import Path

SEED = 20261123
COUNT = 300
HERE = Path(__file__).resolve().parent
ADDRESS_SPACE = ipaddress.ip_network("10.64.0.0/10")

FIRST = (
    "Acme", "Blue Harbor", "Brightwave", "Cobalt", "Copperleaf", "Crescent", "Driftwood",
    "Ember", "Evergreen", "Foxglove", "Granite", "Greyhound", "Halcyon", "Ironbark", "Juniper",
    "Kestrel", "Lantern", "Larkspur", "Meridian", "Mossrock", "Nimbus", "Northwind", "Oakline",
    "Orchid", "Pinecone", "Quartzline", "Redwing", "Riverstone", "Saffron", "Silverpine",
    "Starling", "Stonebridge", "Sunmill", "Tidewater", "Umbra", "Vantage Hill", "Willowby",
    "Yellowtail", "Zephyr", "Amberfield",
)
SECOND = {
    "Software": ("Analytics", "Cloudworks", "Data", "Labs", "Systems", "Software"),
    "Manufacturing": ("Robotics", "Machining", "Fabrication", "Industries", "Works"),
    "Financial Services": ("Capital", "Lending", "Payments", "Insurance", "Trust"),
    "Healthcare": ("Health", "Diagnostics", "Clinics", "Biotech", "Care"),
    "Retail": ("Outfitters", "Goods", "Market", "Supply Co", "Stores"),
    "Logistics": ("Logistics", "Freight", "Shipping", "Transport", "Couriers"),
    "Education": ("Learning", "Academy", "Education", "Tutoring"),
    "Media": ("Media", "Studios", "Publishing", "Broadcast"),
    "Energy": ("Energy", "Solar", "Power", "Grid"),
    "Professional Services": ("Consulting", "Partners", "Advisory", "Group"),
}
PLACES = (
    ("US", "San Francisco"), ("US", "New York"), ("US", "Austin"), ("US", "Chicago"),
    ("US", "Boston"), ("US", "Seattle"), ("US", "Denver"), ("US", "Atlanta"),
    ("CA", "Toronto"), ("CA", "Vancouver"), ("GB", "London"), ("GB", "Manchester"),
    ("IE", "Dublin"), ("DE", "Berlin"), ("DE", "Munich"), ("FR", "Paris"), ("NL", "Amsterdam"),
    ("SE", "Stockholm"), ("ES", "Barcelona"), ("AU", "Sydney"), ("SG", "Singapore"),
    ("IN", "Bengaluru"), ("JP", "Tokyo"), ("BR", "São Paulo"),
)
# (employees low, high, revenue band), weighted towards smaller companies.
SIZES = (
    (5, 49, "<$10M"), (50, 199, "$10M-$50M"), (200, 999, "$50M-$250M"),
    (1000, 4999, "$250M-$1B"), (5000, 50000, "$1B+"),
)
SIZE_WEIGHTS = (30, 30, 22, 12, 6)
FIRST_NAMES = (
    "Ada", "Ben", "Chloe", "Diego", "Emma", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kira",
    "Liam", "Maya", "Noah", "Olga", "Priya", "Quinn", "Rosa", "Sam", "Tara", "Umar", "Vera",
)
LAST_NAMES = (
    "Alvarez", "Brooks", "Chen", "Dubois", "Eriksen", "Fischer", "Garcia", "Hughes", "Ito",
    "Jensen", "Kowalski", "Lopez", "Moreau", "Nakamura", "Okafor", "Patel", "Rossi", "Schmidt",
)
STAGES = ("subscriber", "lead", "mql", "sql", "opportunity", "customer", "evangelist")


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def prefix_for(employees: int) -> int:
    """Bigger companies own bigger blocks, so ranges of several sizes get exercised."""
    if employees >= 5000:
        return 22
    if employees >= 1000:
        return 23
    return 24


def make_companies(rng: random.Random) -> list[dict]:
    companies, seen = [], set()
    cursor = int(ADDRESS_SPACE.network_address)
    while len(companies) < COUNT:
        industry = rng.choice(sorted(SECOND))
        name = f"{rng.choice(FIRST)} {rng.choice(SECOND[industry])}"
        if name in seen:
            continue
        seen.add(name)
        low, high, band = rng.choices(SIZES, weights=SIZE_WEIGHTS)[0]
        employees = rng.randint(low, high)
        country, city = rng.choice(PLACES)
        size = 2 ** (32 - prefix_for(employees))
        cursor = -(-cursor // size) * size  # align the block to its own size
        cursor += rng.choice((0, 0, 0, 256))  # leave some unowned /24s between companies
        cursor = -(-cursor // size) * size
        network = ipaddress.ip_network((cursor, prefix_for(employees)))
        assert network.subnet_of(ADDRESS_SPACE)
        cursor += size
        companies.append({
            "name": name, "domain": f"{slug(name)}.example", "industry": industry,
            "employees": employees, "revenue_band": band, "country": country, "city": city,
            "ip_range": str(network),
        })
    return companies


def make_abm(rng: random.Random, companies: list[dict]) -> list[dict]:
    picks = rng.sample(companies, 40)
    tiers = ("1", "2", "3", "A", "B", "C")
    return [{"domain": c["domain"], "tier": rng.choice(tiers), "name": c["name"]} for c in picks]


def make_marketing(rng: random.Random, companies: list[dict]) -> list[dict]:
    rows, seen = [], set()
    for company in rng.sample(companies, 80):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = f"{first}.{last}@{company['domain']}".lower()
        if email in seen:
            continue
        seen.add(email)
        rows.append({"email": email, "lead_score": rng.randint(0, 100),
                     "lifecycle_stage": rng.choice(STAGES)})
    return rows


def write(path: Path, rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main(folder: Path = HERE) -> None:
    rng = random.Random(SEED)
    companies = make_companies(rng)
    write(folder / "companies.csv", companies)
    write(folder / "abm_accounts.csv", make_abm(rng, companies))
    write(folder / "marketing.csv", make_marketing(rng, companies))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
