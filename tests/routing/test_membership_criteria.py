"""Routing rules on membership ("in segment", "in stream"): the builder offers them,
unknown ids are field errors, and a segment or stream a rule uses cannot be deleted."""

import pytest
from sqlalchemy import select

from liveapp.extensions import db
from liveapp.models import RoutingRule, Segment, Stream
from tests.factories import RoutingRuleFactory, SegmentFactory, StreamFactory

RULE = {"name": "Target accounts", "active": "y", "match": "all", "route_to_all": "y",
        "distribution": "first_available", "when_nobody": "meeting_booker"}


def _in(field: str, value, operator: str = "equals") -> dict:
    return {**RULE, "conditions-0-field": field, "conditions-0-operator": operator,
            "conditions-0-value": str(value)}


def _rules():
    db.session.expire_all()
    return list(db.session.scalars(select(RoutingRule)))


@pytest.fixture
def target(app_ctx):
    segment = SegmentFactory(name="Target Accounts")
    stream = StreamFactory(name="High Intent", segments=[segment])
    db.session.commit()
    return segment, stream


def test_the_rule_form_offers_membership(as_admin, target):
    segment, stream = target
    page = as_admin.get("/settings/routing/new").get_data(as_text=True)
    assert "scope=routing" in page
    row = as_admin.get("/settings/segments/condition-row?index=0&scope=routing"
                       "&conditions-0-field=segment_ids").get_data(as_text=True)
    assert 'value="segment_ids" selected' in row and 'value="stream_id"' in row
    assert '"scope": "routing"' in row.replace("&#34;", '"')
    assert f'<option value="{segment.id}" >Target Accounts</option>' in row
    assert 'value="equals" selected>is<' in row and 'value="not_equals" >is not<' in row
    assert 'value="in_list"' not in row and 'value="is_set"' not in row  # is / is not only
    streams = as_admin.get("/settings/segments/condition-row?index=0&scope=routing"
                           "&conditions-0-field=stream_id").get_data(as_text=True)
    assert f'<option value="{stream.id}" >High Intent</option>' in streams


@pytest.mark.parametrize(("field", "operator", "words"), [
    ("segment_ids", "equals", "In segment is Target Accounts"),
    ("stream_id", "not_equals", "In stream is not High Intent"),
])
def test_a_rule_on_membership_is_saved_and_described(as_admin, target, changes, field,
                                                     operator, words):
    segment, stream = target
    ident = segment.id if field == "segment_ids" else stream.id
    response = as_admin.post("/settings/routing/new", _in(field, ident, operator))
    assert response.status_code == 303
    [rule] = _rules()
    assert rule.criteria["conditions"] == [{"field": field, "operator": operator,
                                            "value": ident}]
    assert f"When: {words}" in as_admin.get("/settings/routing/").get_data(as_text=True)
    assert changes == ["routing"]


@pytest.mark.parametrize(("field", "value", "message"), [
    ("segment_ids", 999, "In segment: no segment with id 999; choose from the list"),
    ("stream_id", 999, "In stream: no stream with id 999; choose from the list"),
    ("segment_ids", "Target Accounts", "In segment needs a segment"),
    ("stream_id", "", "In stream needs a stream"),
])
def test_an_unknown_segment_or_stream_is_a_field_error(as_admin, target, changes, field, value,
                                                       message):
    response = as_admin.post("/settings/routing/new", _in(field, value))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    row = html[html.index('id="condition-0"'):]
    assert message in row[:row.index("</div>")]
    assert _rules() == [] and changes == []


def test_a_segment_a_rule_uses_cannot_be_deleted(as_admin, target):
    segment, _ = target
    RoutingRuleFactory(name="Enterprise <AEs>", criteria={"match": "all", "conditions": [
        {"field": "segment_ids", "operator": "equals", "value": segment.id}]})
    RoutingRuleFactory(name="Others", criteria={"match": "all", "conditions": [
        {"field": "segment_ids", "operator": "not_equals", "value": segment.id + 1}]})
    page = as_admin.get(f"/settings/segments/{segment.id}/delete").get_data(as_text=True)
    message = ("This segment is used by the routing rule “Enterprise &lt;AEs&gt;”: change or "
               "delete it first.")
    assert message in page and "Delete segment</button>" not in page
    refused = as_admin.post(f"/settings/segments/{segment.id}/delete")
    assert refused.status_code == 409 and message in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Segment, segment.id) is not None


def test_a_stream_rules_use_cannot_be_deleted_until_they_change(as_admin, target):
    _, stream = target
    rules = [RoutingRuleFactory(name=name, criteria={"match": "any", "conditions": [
        {"field": "email", "operator": "is_set"},
        {"field": "stream_id", "operator": "not_equals", "value": stream.id}]})
        for name in ("First", "Second")]
    refused = as_admin.post(f"/settings/streams/{stream.id}/delete")
    assert refused.status_code == 409
    assert ("This stream is used by the routing rules “First”, “Second”: change or delete "
            "them first.") in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Stream, stream.id) is not None
    for rule in rules:
        as_admin.post(f"/settings/routing/{rule.id}/delete")
    assert as_admin.post(f"/settings/streams/{stream.id}/delete").status_code == 303
    db.session.expire_all()
    assert db.session.scalars(select(Stream)).all() == []
