"""Segments on what visitors answered in chat flows, and why segments cannot test
membership (in segment, in stream): the builder's choices, validation, nothing written."""

import pytest
from sqlalchemy import select

from liveapp.extensions import db
from liveapp.models import Segment
from tests.factories import ExperienceFactory, SegmentFactory, StreamFactory

QUALIFY_FLOW = [
    {"type": "bot_message", "text": "Hi!"},
    {"type": "buttons", "text": "What brings you here?", "buttons": [
        {"label": "Pricing", "target": "next"}, {"label": "Docs", "target": "next"}]},
    {"type": "question", "text": "", "question": "company_size"},
    {"type": "question", "text": "Where can we reach you?", "question": "email"},
]


def _segments():
    db.session.expire_all()
    return list(db.session.scalars(select(Segment).order_by(Segment.id)))


def _one(field: str, operator: str, value=None, **extra) -> dict:
    data = {"name": "Asked", "match": "all", "conditions-0-field": field,
            "conditions-0-operator": operator, **extra}
    if value is not None:
        data["conditions-0-value"] = value
    return data


def test_a_segment_on_the_answered_company_size(as_admin, app_ctx, changes):
    response = as_admin.post("/settings/segments/new", _one(
        "answered_company_size", "in_list", ["201-1000", "1001+"]))
    assert response.status_code == 303
    [segment] = _segments()
    assert segment.criteria["conditions"] == [
        {"field": "answered_company_size", "operator": "in_list", "value": ["201-1000", "1001+"]}]
    listing = as_admin.get("/settings/segments/").get_data(as_text=True)
    assert "Answered company size is one of 201-1000, 1001+" in listing
    assert changes == ["segments"]


def test_a_chat_answer_names_its_question(as_admin, app_ctx):
    qualify = ExperienceFactory(name="Qualify", flow=QUALIFY_FLOW)
    row = as_admin.get("/settings/segments/condition-row?index=0"
                       "&conditions-0-field=chat_answer").get_data(as_text=True)
    assert 'name="conditions-0-question"' in row
    assert f'value="{qualify.id}:1">Qualify: What brings you here?<' in row
    assert f'value="{qualify.id}:2">Qualify: Company size<' in row
    assert f'"{qualify.id}:3"' not in row  # an email answer identifies the visitor instead
    response = as_admin.post("/settings/segments/new", _one(
        "chat_answer", "equals", "Pricing", **{"conditions-0-question": f"{qualify.id}:1"}))
    assert response.status_code == 303
    [segment] = _segments()
    assert segment.criteria["conditions"] == [{"field": "chat_answer", "operator": "equals",
                                               "value": "Pricing", "question": f"{qualify.id}:1"}]
    listing = as_admin.get("/settings/segments/").get_data(as_text=True)
    assert "Chat answer to “Qualify: What brings you here?” is Pricing" in listing
    edit = as_admin.get(f"/settings/segments/{segment.id}").get_data(as_text=True)
    assert f'<option value="{qualify.id}:1" selected>' in edit


@pytest.mark.parametrize(("question", "message"), [
    ("", "Chat answer: choose a question"),
    ("nonsense", "Chat answer: choose a question"),
    ("999:1", "Chat answer: that question is not in any experience&#39;s flow any more"),
    ("QUALIFY:0", "Chat answer: that question is not in any experience&#39;s flow any more"),
    ("QUALIFY:3", "Chat answer: that question is not in any experience&#39;s flow any more"),
])
def test_a_chat_answer_to_no_such_question_is_refused(as_admin, app_ctx, question, message):
    qualify = ExperienceFactory(name="Qualify", flow=QUALIFY_FLOW)
    question = question.replace("QUALIFY", str(qualify.id))
    response = as_admin.post("/settings/segments/new", _one(
        "chat_answer", "equals", "Pricing", **{"conditions-0-question": question}))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    row = html[html.index('id="condition-0"'):]
    assert message in row[:row.index("</div>")]
    assert _segments() == []


def test_segments_do_not_offer_membership(as_admin, app_ctx):
    page = as_admin.get("/settings/segments/new").get_data(as_text=True)
    assert 'value="answered_industry"' in page
    assert 'value="segment_ids"' not in page and 'value="stream_id"' not in page
    for field in ("segment_ids", "stream_id"):
        query = f"index=0&conditions-0-field={field}"
        assert as_admin.get(f"/settings/segments/condition-row?{query}").status_code == 400
        assert as_admin.get(f"/settings/segments/condition-row?{query}&scope=nope") \
            .status_code == 400


@pytest.mark.parametrize("field", ["segment_ids", "stream_id"])
def test_a_segment_testing_membership_is_refused_and_nothing_is_written(as_admin, app_ctx,
                                                                        changes, field):
    other = SegmentFactory(name="Target Accounts")
    stream = StreamFactory(name="High Intent", segments=[other])
    value = other.id if field == "segment_ids" else stream.id
    response = as_admin.post("/settings/segments/new", _one(field, "equals", str(value)))
    assert response.status_code == 422
    label = "In segment" if field == "segment_ids" else "In stream"
    assert f"{label} can be used in routing rules only, not in segments" in \
        response.get_data(as_text=True)
    assert [s.name for s in _segments()] == ["Target Accounts"]
    assert changes == []
