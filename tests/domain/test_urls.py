"""URL comparison rules shared by criteria and experience targeting."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liveapp.domain.urls import url_forms, url_test, wildcard_test

FAST = settings(max_examples=150, deadline=None)


def reference_wildcard(pattern: str, text: str) -> bool:
    """The obvious (but backtracking) definition: '*' is '.*', the rest literal."""
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, text, re.DOTALL) is not None


@FAST
@given(st.text("ab/*?", max_size=8), st.text("ab/?", max_size=12))
def test_wildcard_matches_like_the_regex_definition(pattern, text):
    assert wildcard_test(pattern)(text) is reference_wildcard(pattern, text)


@FAST
@given(st.text("ab/.", min_size=1, max_size=6), st.text("ab/.", max_size=12))
def test_star_around_a_value_is_contains_and_no_star_is_equals(value, text):
    assert wildcard_test(f"*{value}*")(text) is (value in text)
    assert wildcard_test(value)(text) is (value == text)
    assert wildcard_test(f"{value}*")(text) is text.startswith(value)
    assert wildcard_test(f"*{value}")(text) is text.endswith(value)


@FAST
@given(st.text(max_size=30), st.sampled_from(["https://", "http://", ""]), st.text(max_size=10))
def test_wildcard_url_semantics_never_raise_and_star_matches_everything(path, scheme, query):
    url = f"{scheme}acme.com/{path}?{query}"
    assert url_test("wildcard", "*")(url) is True
    for kind in ("equals", "contains", "starts_with", "wildcard"):
        assert url_test(kind, "acme.com/*")(url) in (True, False)


def test_many_stars_on_a_long_url_stay_fast():
    # A backtracking regex takes seconds here; the find-based matcher does not.
    pattern = "*a" * 12 + "*b"
    assert wildcard_test(pattern)("a" * 5000) is False


@pytest.mark.parametrize(("kind", "value", "url", "expected"), [
    ("equals", "acme.com/pricing", "https://Acme.COM/Pricing/?ref=1#x", True),
    ("equals", "https://acme.com/pricing", "http://acme.com/pricing", False),
    ("equals", "acme.com/pricing?ref=1", "https://acme.com/pricing?ref=1#x", True),
    ("equals", "acme.com/pricing?ref=1", "https://acme.com/pricing", False),
    ("equals", "acme.com", "https://acme.com/", True),
    ("contains", "REF=1", "https://acme.com/pricing?ref=1", True),
    ("contains", "x", "https://acme.com/pricing#x", False),
    ("starts_with", "https://acme.com/p", "https://acme.com/pricing", True),
    ("wildcard", "*/pricing*", "https://acme.com/pricing/teams", True),
    ("wildcard", "*/pricing*", "https://acme.com/?next=/pricing", False),
    ("wildcard", "*?next=/pricing", "https://acme.com/?next=/pricing", True),
    ("wildcard", "https://*.acme.com/*", "https://blog.acme.com/post", True),
    ("wildcard", "https://*.acme.com/*", "http://blog.acme.com/post", False),
    ("wildcard", "*://acme.com/*", "http://acme.com/post", True),
    ("wildcard", "acme.com/*/api", "https://acme.com/docs/v2/api/", True),
    ("wildcard", "*/pricing/", "https://acme.com/pricing", True),
    ("wildcard", "**pricing**", "https://acme.com/pricing", True),
])
def test_url_rules(kind, value, url, expected):
    assert url_test(kind, value)(url) is expected


def test_url_forms_are_cached_per_url():
    assert url_forms("https://acme.com/X?y#z") is url_forms("https://acme.com/X?y#z")
    assert url_forms("https://acme.com/X/?y#z") == (
        "https://acme.com/x/?y", "https://acme.com/x/?y", "acme.com/x/?y",
        "https://acme.com/x", "acme.com/x",
    )


def test_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError):
        url_test("regex", ".*")
