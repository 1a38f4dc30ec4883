"""The "matches" operator (and an experience's wildcard URL rule) takes a wildcard: a
regular expression (or spaces) given to it would match nothing, so saving a segment, routing
rule or experience with one is refused with an error on its row and nothing written; saved
criteria that hold one still load."""

import pytest
from sqlalchemy import select

from liveapp.extensions import db
from liveapp.models import Experience, RoutingRule, Segment
from tests.experiences.test_experiences_settings import PRICING
from tests.factories import SegmentFactory
from tests.routing.test_rules_settings import FORM as RULE_FORM

REGEXES = ["^/pricing.*$", "/blog/(a|b)", ".*pricing", "/p[0-9]+", r"\/pricing", "/price page"]
MATCHES = {"conditions-2-field": "current_url", "conditions-2-operator": "url_matches"}


def _rows(model):
    db.session.expire_all()
    return list(db.session.scalars(select(model)))


def _row(html: str, index: int) -> str:
    row = html[html.index(f'id="condition-{index}"'):]
    return row[:row.index('<p class="error"', 0) + 400]


@pytest.mark.parametrize("pattern", REGEXES)
def test_a_segment_with_a_regex_in_matches_is_refused(as_admin, app_ctx, pattern):
    response = as_admin.post("/settings/segments/new", {
        "name": "Pricing", "match": "all", **MATCHES, "conditions-2-value": pattern})
    assert response.status_code == 422
    row = _row(response.get_data(as_text=True), 2)
    assert '"matches"' in row or "&#34;matches&#34;" in row
    assert "not a regular expression" in row or "no spaces" in row
    assert _rows(Segment) == []


@pytest.mark.parametrize("pattern", REGEXES[:3])
def test_a_routing_rule_with_a_regex_in_matches_is_refused(as_admin, app_ctx, pattern):
    response = as_admin.post("/settings/routing/new", {
        **RULE_FORM, **MATCHES, "conditions-2-value": pattern})
    assert response.status_code == 422
    assert "not a regular expression" in _row(response.get_data(as_text=True), 2)
    assert _rows(RoutingRule) == []


@pytest.mark.parametrize("pattern", ["*/pricing*", "acme.com/blog/*", "*/pricing.*", "*?ref=*"])
def test_wildcards_are_saved(as_admin, app_ctx, pattern):
    response = as_admin.post("/settings/segments/new", {
        "name": "Pricing", "match": "all", **MATCHES, "conditions-2-value": pattern})
    assert response.status_code == 303
    [segment] = _rows(Segment)
    assert segment.criteria["conditions"][0]["value"] == pattern


def test_the_row_says_what_matches_accepts(as_admin):
    html = as_admin.get("/settings/segments/condition-row?index=0&conditions-0-field="
                        "current_url&conditions-0-operator=url_matches").get_data(as_text=True)
    assert "A wildcard, not a regular expression" in html
    assert 'aria-describedby="condition-0-matches"' in html and 'id="condition-0-matches"' in html
    other = as_admin.get("/settings/segments/condition-row?index=0&conditions-0-field="
                         "current_url&conditions-0-operator=contains").get_data(as_text=True)
    assert "A wildcard" not in other


def test_a_saved_regex_still_loads_and_is_refused_when_saved_again(as_admin, app_ctx):
    segment = SegmentFactory(name="Old", criteria={"match": "all", "conditions": [
        {"field": "current_url", "operator": "url_matches", "value": "^/pricing$"}]})
    assert "Old" in as_admin.get("/settings/segments/").get_data(as_text=True)
    page = as_admin.get(f"/settings/segments/{segment.id}").get_data(as_text=True)
    assert 'value="^/pricing$"' in page
    response = as_admin.post(f"/settings/segments/{segment.id}", {
        "name": "Old", "match": "all", "conditions-0-field": "current_url",
        "conditions-0-operator": "url_matches", "conditions-0-value": "^/pricing$"})
    assert response.status_code == 422
    assert "not a regular expression" in response.get_data(as_text=True)


@pytest.mark.parametrize("pattern", ["^/pricing/faq$", "*/pricing/(faq|terms)*", "/faq page"])
def test_an_experience_with_a_regex_as_its_wildcard_is_refused(as_admin, app_ctx, pattern):
    response = as_admin.post("/settings/experiences/new",
                             {**PRICING, "rules-1-value": pattern})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    rule = html[html.index('id="url-rule-1"'):]
    rule = rule[:rule.index("</div>")]
    assert "the wildcard takes" in rule
    assert _rows(Experience) == []
    assert "A wildcard, not a regular expression" in html
