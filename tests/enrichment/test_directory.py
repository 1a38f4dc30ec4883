"""Company lookups by IP and by domain, on a small hand-made directory and on the
data set we ship."""

from __future__ import annotations

import csv
import ipaddress
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liveapp.integrations.company_directory import (
    COMPANIES_CSV,
    Company,
    CompanyDirectory,
    EnrichmentProvider,
    default_provider,
)

DATA = COMPANIES_CSV.parent


def company(name: str, domain: str, ip_range: str = "") -> Company:
    return Company(name, domain, "Software", 120, "$10M-$50M", "US", "Austin", ip_range)


ACME = company("Acme Robotics", "acme-robotics.example", "10.64.1.0/24")
BIG = company("Big Freight", "big-freight.example", "10.64.4.0/22")
NEXT = company("Next Door", "next-door.example", "10.64.8.0/24")
NO_RANGE = company("Rangeless", "rangeless.example")


@pytest.fixture(scope="module")
def directory() -> CompanyDirectory:
    # Deliberately unsorted: the directory sorts ranges itself.
    return CompanyDirectory([NEXT, ACME, NO_RANGE, BIG])


@pytest.mark.parametrize(
    ("ip", "expected"),
    [
        ("10.64.1.0", ACME),  # first address of the range
        ("10.64.1.255", ACME),  # last address
        ("10.64.1.77", ACME),
        ("10.64.0.255", None),  # just below
        ("10.64.2.0", None),  # just above, in the gap
        ("10.64.4.0", BIG),
        ("10.64.7.255", BIG),  # end of a /22
        ("10.64.8.0", NEXT),  # adjacent range starts right after
        ("10.64.9.0", None),  # past the last range
        ("0.0.0.0", None),  # before the first range
        ("255.255.255.255", None),
        (" 10.64.1.9 ", ACME),  # stray whitespace from a header
        ("::ffff:10.64.1.9", ACME),  # IPv4 client on a dual-stack socket
        ("2001:db8::1", None),  # IPv6 has no ranges here
        ("10.64.1", None),  # inet_aton shorthand is not an address
        ("", None),
        ("not an ip", None),
        ("10.64.1.300", None),
    ],
)
def test_by_ip(directory, ip, expected):
    assert directory.by_ip(ip) == expected


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("acme-robotics.example", ACME),
        ("ACME-Robotics.Example.", ACME),  # case and the root dot
        ("eu.mail.acme-robotics.example", ACME),  # subdomains walk up
        ("jane@acme-robotics.example", ACME),  # an email address works too
        ("jane@sales.acme-robotics.example", ACME),
        ("rangeless.example", NO_RANGE),
        ("robotics.example", None),  # a suffix is not a parent domain
        ("notacme-robotics.example", None),
        ("example", None),  # never match on a bare TLD
        ("gmail.com", None),
        ("someone@gmail.com", None),
        ("someone@outlook.com", None),
        ("yahoo.com", None),
        ("unknown.example", None),
        ("", None),
        ("@", None),
    ],
)
def test_by_domain(directory, domain, expected):
    assert directory.by_domain(domain) == expected


def test_free_mail_domains_never_match_even_when_listed():
    directory = CompanyDirectory([company("Google Mail Fan Club", "gmail.com")])
    assert directory.by_domain("x@gmail.com") is None


def test_overlapping_ranges_are_refused():
    clash = company("Clash", "clash.example", "10.64.1.128/25")
    with pytest.raises(ValueError, match="overlap"):
        CompanyDirectory([ACME, clash])


def test_directory_satisfies_the_provider_protocol(directory):
    provider: EnrichmentProvider = directory
    assert provider.by_ip("10.64.1.1") == ACME
    assert ACME.as_dict()["domain"] == "acme-robotics.example"


@given(st.integers(min_value=int(ipaddress.ip_address("10.63.255.0")),
                   max_value=int(ipaddress.ip_address("10.64.10.0"))))
def test_by_ip_agrees_with_a_linear_scan(value):
    directory = CompanyDirectory([NEXT, ACME, NO_RANGE, BIG])
    ip = str(ipaddress.ip_address(value))
    expected = [c for c in (ACME, BIG, NEXT)
                if ipaddress.ip_address(ip) in ipaddress.ip_network(c.ip_range)]
    assert directory.by_ip(ip) == (expected[0] if expected else None)


# The shipped data set.

def test_default_directory_is_loaded_once_and_is_made_up():
    directory = CompanyDirectory.default()
    assert directory is CompanyDirectory.default() is default_provider()
    assert len(directory.companies) >= 200
    space = ipaddress.ip_network("10.64.0.0/10")
    for c in directory.companies:
        assert c.domain.endswith(".example"), c
        assert ipaddress.ip_network(c.ip_range).subnet_of(space), c
        assert directory.by_ip(str(ipaddress.ip_network(c.ip_range)[-1])) == c
        assert directory.by_domain(f"someone@www.{c.domain}") == c


def test_generator_is_deterministic(tmp_path: Path):
    script = DATA / "make_companies.py"
    subprocess.run([sys.executable, str(script), str(tmp_path)], check=True, timeout=60)
    for name in ("companies.csv", "abm_accounts.csv", "marketing.csv"):
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


def test_sample_imports_match_demo_companies():
    from liveapp.integrations.import_csv import parse_abm_csv, parse_marketing_csv

    directory = CompanyDirectory.default()
    abm, errors = parse_abm_csv((DATA / "abm_accounts.csv").read_text())
    assert errors == [] and len(abm) >= 20
    assert all(directory.by_domain(row.domain) for row in abm)
    marketing, errors = parse_marketing_csv((DATA / "marketing.csv").read_text())
    assert errors == [] and len(marketing) >= 20
    assert all(directory.by_domain(row.email) for row in marketing)


def test_companies_csv_has_the_documented_columns():
    with COMPANIES_CSV.open(newline="") as f:
        header = next(csv.reader(f))
    assert header == ["name", "domain", "industry", "employees", "revenue_band", "country",
                      "city", "ip_range"]
