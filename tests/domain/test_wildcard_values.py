"""Which "matches" values a wildcard can match (urls.wildcard_error) and the criteria
check that names the condition (criteria.unmatchable)."""

import pytest

from liveapp.domain import criteria
from liveapp.domain.urls import wildcard_error


@pytest.mark.parametrize("pattern", [
    "*/pricing*", "acme.com/blog/*", "*/pricing.*", "*?ref=*", "/c++", "https://acme.com/a-b_c~",
    "*/docs/*/api", "/search?q=a+b&x=1", "*", "/100%25",
])
def test_wildcards_pass(pattern):
    assert wildcard_error(pattern) is None


@pytest.mark.parametrize(("pattern", "shown"), [
    ("^/pricing", "^"), ("/pricing$", "$"), ("/(a|b)", "( ) |"), ("/p[0-9]", "[ ]"),
    ("/a{2}", "{ }"), (r"\/pricing", "\\"), (".*pricing", ".*"), (".+pricing", ".+"),
    ("/pricing.+", ".+"),
])
def test_regex_syntax_is_named(pattern, shown):
    error = wildcard_error(pattern)
    assert error is not None and "not a regular expression" in error and f"({shown})" in error


def test_spaces_are_refused():
    assert "no spaces" in wildcard_error("/price page")
    assert wildcard_error("  */pricing*  ") is None  # the value is stripped when compared


def test_unmatchable_names_only_matches_conditions():
    data = {"match": "any", "conditions": [
        {"field": "current_url", "operator": "contains", "value": "^odd$"},
        {"field": "visited_urls", "operator": "url_matches", "value": "*/ok*"},
        {"field": "current_url", "operator": "url_matches", "value": "^/pricing"},
    ]}
    assert criteria.validate(data) == []
    [error] = criteria.unmatchable(data)
    assert error.startswith('condition 3: ') and '"matches" takes a wildcard' in error
