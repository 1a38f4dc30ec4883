"""The Account fuzzy-match rule, pure."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liveapp.integrations.account_match import (
    email_domain,
    name_search_token,
    normalise_company,
    normalise_domain,
    pick_account,
)


@pytest.mark.parametrize(("value", "expected"), [
    ("acme.test", "acme.test"), ("https://WWW.Acme.test:443/about?x=1", "acme.test"),
    ("http://acme.test/", "acme.test"), ("www.acme.test.", "acme.test"),
    ("jane@Acme.Test", "acme.test"), ("sub.acme.test", "sub.acme.test"),
    ("acme", None), ("", None), (None, None), ("not a domain.test", None),
])
def test_normalise_domain(value, expected):
    assert normalise_domain(value) == expected


def test_free_mail_names_no_company():
    assert email_domain("jane@gmail.com") is None
    assert email_domain("jane@acme.test") == "acme.test"
    assert email_domain("not-an-email") is None


@pytest.mark.parametrize(("value", "expected"), [
    ("Acme, Inc.", "acme"), ("ACME Inc", "acme"), ("The Acme Corporation", "acme"),
    ("Müller GmbH", "muller"), ("O'Brien & Sons Ltd", "o brien sons"),
    ("Acme Holdings", "acme holdings"), ("Inc.", "inc"), ("Co", "co"), ("", None),
    ("   ", None), ("Foo Co. Ltd", "foo"),
])
def test_normalise_company(value, expected):
    assert normalise_company(value) == expected


def test_name_search_token_is_the_longest_word():
    assert name_search_token("Blue Whale Logistics Inc") == "logistics"
    assert name_search_token(None) is None


def _acc(i, name, website, modified):
    return {"Id": f"001{i}", "Name": name, "Website": website, "LastModifiedDate": modified}


CANDIDATES = [
    _acc(1, "Acme Inc", "https://acme.test", "2026-01-01"),
    _acc(2, "Acme LLC", "acme.test/", "2026-03-01"),
    _acc(3, "Other", "other.test", "2026-05-01"),
    _acc(4, "Acme Holdings", None, "2026-06-01"),
]


def test_domain_beats_name_and_newest_wins():
    record, rule = pick_account(CANDIDATES, "www.acme.test", "Other")
    assert (record["Id"], rule) == ("0012", "website_domain")


def test_name_when_no_domain_matches():
    record, rule = pick_account(CANDIDATES, "unknown.test", "ACME, inc.")
    assert (record["Id"], rule) == ("0012", "company_name")


def test_ties_on_date_pick_the_smallest_id():
    same = [_acc(9, "Zed", "zed.test", "2026-01-01"), _acc(5, "Zed", "zed.test", "2026-01-01")]
    assert pick_account(same, "zed.test", None)[0]["Id"] == "0015"


def test_nothing_matches():
    assert pick_account(CANDIDATES, None, None) is None
    assert pick_account(CANDIDATES, "acme", "Acme Holdings Group") is None


names = st.sampled_from(["Acme Inc", "Acme LLC", "Other", "Acme Holdings", "acme", "Zed"])
sites = st.sampled_from([None, "acme.test", "https://www.acme.test/", "zed.test", "x.test"])
dates = st.sampled_from(["2026-01-01", "2026-02-01", None])


@given(st.lists(st.builds(lambda n, s, d, i: _acc(i, n, s, d), names, sites, dates,
                          st.integers(0, 50)), max_size=12, unique_by=lambda r: r["Id"]),
       st.sampled_from([None, "acme.test", "zed.test"]), st.sampled_from([None, "Acme", "Zed"]))
def test_pick_ignores_candidate_order(records, domain, company):
    forward = pick_account(records, domain, company)
    backward = pick_account(list(reversed(records)), domain, company)
    assert forward == backward


@given(st.text())
def test_normalisers_are_idempotent(value):
    name = normalise_company(value)
    assert name is None or normalise_company(name) == name
    domain = normalise_domain(value)
    assert domain is None or normalise_domain(domain) == domain
