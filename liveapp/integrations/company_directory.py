"""Company enrichment: who is behind an IP address or an email domain.

Providers are pluggable through `EnrichmentProvider`; the default, `CompanyDirectory`,
reads the made-up data set we ship in `liveapp/demo/data/companies.csv` (regenerate it with
`liveapp/demo/data/make_companies.py`). Lookups are pure and fast (bisect over sorted integer
ranges, a dict for domains), so they can run in a job or a request alike.
"""

from __future__ import annotations

import csv
import ipaddress
import socket
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Protocol

DATA_DIR = Path(__file__).resolve().parent.parent / "demo" / "data"
COMPANIES_CSV = DATA_DIR / "companies.csv"

# Consumer mailbox providers: an address there says nothing about the person's employer.
FREE_MAIL_DOMAINS = frozenset({
    "aol.com", "fastmail.com", "gmail.com", "gmx.com", "gmx.de", "googlemail.com",
    "hey.com", "hotmail.com", "hotmail.co.uk", "icloud.com", "live.com", "mail.com",
    "mail.ru", "me.com", "msn.com", "outlook.com", "proton.me", "protonmail.com",
    "qq.com", "tutanota.com", "web.de", "yahoo.co.uk", "yahoo.com", "yahoo.fr",
    "yandex.ru", "zoho.com",
})


@dataclass(frozen=True)
class Company:
    """Firmographics of one company, as the visitor card and segments use them."""

    name: str
    domain: str
    industry: str
    employees: int
    revenue_band: str
    country: str
    city: str
    ip_range: str = ""

    def as_dict(self) -> dict:
        """JSON-safe form, for jobs and storage."""
        return asdict(self)


class EnrichmentProvider(Protocol):
    """What any enrichment source offers; both answer None when they don't know."""

    def by_ip(self, ip: str) -> Company | None: ...

    def by_domain(self, domain: str) -> Company | None: ...


def normalise_domain(value: str) -> str:
    """Lower-case host name from a domain or an email address, without a trailing dot."""
    host = value.strip().lower().rsplit("@", 1)[-1]
    return host.rstrip(".")


def _ip_to_int(ip: str) -> int | None:
    try:
        # inet_pton is strict (no "10.1" shorthand) and several times faster than ipaddress.
        return int.from_bytes(socket.inet_pton(socket.AF_INET, ip.strip()), "big")
    except (OSError, AttributeError, TypeError):
        pass
    try:
        address = ipaddress.ip_address(ip.strip())
    except (ValueError, AttributeError):
        return None
    if address.version == 6:
        # A dual-stack socket reports IPv4 clients as ::ffff:a.b.c.d.
        address = address.ipv4_mapped
        if address is None:
            return None
    return int(address)


class CompanyDirectory:
    """Companies with IPv4 ranges and domains, held in memory."""

    def __init__(self, companies: Iterable[Company]):
        self.companies: list[Company] = list(companies)
        self._by_domain = {c.domain: c for c in self.companies}
        ranged = sorted(
            ((ipaddress.IPv4Network(c.ip_range), c) for c in self.companies if c.ip_range),
            key=lambda pair: int(pair[0].network_address),
        )
        self._starts = [int(net.network_address) for net, _ in ranged]
        self._ends = [int(net.broadcast_address) for net, _ in ranged]
        self._ranged = [company for _, company in ranged]
        for i in range(1, len(self._starts)):
            if self._starts[i] <= self._ends[i - 1]:
                raise ValueError(
                    f"IP ranges overlap: {self._ranged[i - 1].name} and {self._ranged[i].name}"
                )

    @classmethod
    def from_csv(cls, path: Path) -> CompanyDirectory:
        """Load a directory from a CSV with the columns of companies.csv."""
        with path.open(newline="", encoding="utf-8") as f:
            return cls(_company_from_row(row) for row in csv.DictReader(f))

    @staticmethod
    @cache
    def default() -> CompanyDirectory:
        """The shipped demo data set, loaded once per process."""
        return CompanyDirectory.from_csv(COMPANIES_CSV)

    def by_ip(self, ip: str) -> Company | None:
        """The company owning the range that holds `ip` (IPv4 or IPv4-mapped IPv6)."""
        value = _ip_to_int(ip)
        if value is None:
            return None
        i = bisect_right(self._starts, value) - 1
        if i >= 0 and value <= self._ends[i]:
            return self._ranged[i]
        return None

    def by_domain(self, domain: str) -> Company | None:
        """The company for a domain, a subdomain of it or an email address at it."""
        host = normalise_domain(domain)
        labels = host.split(".")
        # Walk up from the full host (eu.mail.acme.example -> acme.example), never to a TLD.
        for i in range(len(labels) - 1):
            candidate = ".".join(labels[i:])
            if candidate in FREE_MAIL_DOMAINS:
                return None
            company = self._by_domain.get(candidate)
            if company is not None:
                return company
        return None


def _company_from_row(row: dict[str, str]) -> Company:
    return Company(
        name=row["name"],
        domain=normalise_domain(row["domain"]),
        industry=row["industry"],
        employees=int(row["employees"]),
        revenue_band=row["revenue_band"],
        country=row["country"],
        city=row["city"],
        ip_range=row.get("ip_range", "") or "",
    )


def default_provider() -> EnrichmentProvider:
    """The provider the app uses; swap it here for a commercial source."""
    return CompanyDirectory.default()
