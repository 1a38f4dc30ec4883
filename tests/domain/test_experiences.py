"""Experience targeting, audience and which experience a visitor receives."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liveapp.domain.experiences import (
    Experience,
    InvalidExperience,
    UrlRule,
    choose_experience,
    parse_audience,
    parse_targeting,
    targeting_test,
    validate_audience,
    validate_targeting,
)
from liveapp.domain.flows import Step

PRICING = "https://acme.com/pricing?plan=pro"


def rule(kind, value, exclude=False):
    return UrlRule(kind, value, exclude)


@pytest.mark.parametrize(("rules", "url", "expected"), [
    ((), PRICING, True),
    ((), None, True),
    ((rule("wildcard", "*/pricing*"),), PRICING, True),
    ((rule("wildcard", "*/pricing*"),), "https://acme.com/blog", False),
    ((rule("equals", "acme.com/pricing"), rule("contains", "/blog")), "https://acme.com/blog/1",
     True),
    ((rule("contains", "acme.com"), rule("contains", "/careers", exclude=True)),
     "https://acme.com/careers/dev", False),
    ((rule("contains", "acme.com"), rule("contains", "/careers", exclude=True)),
     "https://acme.com/", True),
    ((rule("contains", "/careers", exclude=True),), "https://acme.com/", True),
    ((rule("contains", "/careers", exclude=True),), "https://acme.com/careers", False),
    ((rule("wildcard", "*/pricing*"),), None, False),
])
def test_targeting(rules, url, expected):
    assert targeting_test(rules)(url) is expected


KINDS = st.sampled_from(["equals", "contains", "wildcard"])
VALUES = st.sampled_from(["acme.com/pricing", "/blog", "*/docs/*", "pricing", "*", "acme"])
URLS = st.sampled_from([
    "https://acme.com/pricing", "https://acme.com/blog/1", "https://acme.com/docs/a", "x",
])
RULES = st.builds(UrlRule, KINDS, VALUES, st.booleans())


@settings(max_examples=150, deadline=None)
@given(st.lists(RULES, max_size=5), URLS)
def test_a_page_matches_some_include_or_none_and_no_exclude(rules, url):
    includes = [r for r in rules if not r.exclude]
    excludes = [r for r in rules if r.exclude]
    included = not includes or any(targeting_test([r])(url) for r in includes)
    excluded = any(targeting_test([UrlRule(r.kind, r.value)])(url) for r in excludes)
    assert targeting_test(rules)(url) is (included and not excluded)


def test_parse_targeting_and_its_errors():
    rules = parse_targeting([
        {"kind": "wildcard", "value": " */pricing* "},
        {"kind": "contains", "value": "/jobs", "exclude": True},
    ])
    assert rules == (rule("wildcard", "*/pricing*"), rule("contains", "/jobs", True))
    assert [r.to_dict() for r in rules][1] == {"kind": "contains", "value": "/jobs",
                                               "exclude": True}
    assert parse_targeting(None) == ()
    assert validate_targeting([
        {"kind": "regex", "value": ".*"},
        {"kind": "equals", "value": " "},
        {"kind": "equals", "value": "/"},
        {"kind": "contains", "value": "x", "exclude": "yes"},
        "acme.com",
        {"kind": "contains", "value": "x" * 501},
    ]) == [
        "URL rule 1: choose equals, contains or wildcard",
        "URL rule 2: needs a URL",
        "URL rule 3: needs a URL",
        "URL rule 4: exclude must be true or false",
        "URL rule 5: must be an object with kind and value",
        "URL rule 6: at most 500 characters",
    ]
    assert validate_targeting("acme.com") == ["URL rules must be a list"]
    assert validate_targeting([{"kind": "contains", "value": "a"}] * 51) == [
        "at most 50 URL rules"]
    with pytest.raises(InvalidExperience) as raised:
        parse_targeting([{"kind": "regex", "value": ".*"}])
    assert raised.value.errors == ["URL rule 1: choose equals, contains or wildcard"]


def test_audience():
    assert parse_audience([3, 4, 3]) == frozenset({3, 4})
    assert parse_audience(None) == frozenset()
    assert validate_audience([1, "2"]) == ["audience: unknown segment"]
    assert validate_audience([True]) == ["audience: unknown segment"]
    assert validate_audience("1,2") == ["audience must be a list of segments"]


PRICING_PAGE = Experience(1, rules=(rule("wildcard", "*/pricing*"),), audience=frozenset({10}))
PAUSED = Experience(2, active=False)
WELCOME = Experience(3, rules=(rule("contains", "acme.com"),))


@pytest.mark.parametrize(("experiences", "url", "segments", "expected"), [
    ((PRICING_PAGE, WELCOME), PRICING, {10}, 1),
    ((PRICING_PAGE, WELCOME), PRICING, {11}, 3),
    ((PRICING_PAGE, WELCOME), "https://acme.com/", {10}, 3),
    ((WELCOME, PRICING_PAGE), PRICING, {10}, 3),
    ((PAUSED, WELCOME), PRICING, set(), 3),
    ((PAUSED,), PRICING, set(), None),
    ((PRICING_PAGE,), "https://other.io/pricing", set(), None),
    ((), PRICING, {10}, None),
])
def test_choose_experience_is_first_active_match(experiences, url, segments, expected):
    assert choose_experience(experiences, url, segments) == expected


def test_an_empty_audience_is_everyone_and_pounce_is_read_from_the_flow():
    everyone = Experience(5, flow=(Step("bot_message", "Hi"), Step("route_pounce")))
    assert everyone.reaches(set()) and everyone.reaches({1})
    assert everyone.routes_for_pounce
    assert not PRICING_PAGE.routes_for_pounce
    assert not PRICING_PAGE.reaches({11})
