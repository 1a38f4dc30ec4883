"""Settings → Segments: the htmx criteria builder, validation, save, delete, access."""

import pytest
from sqlalchemy import select

from liveapp.extensions import db
from liveapp.models import Segment, Stream
from tests.factories import ExperienceFactory, SegmentFactory, StreamFactory

TWO_CONDITIONS = {
    "name": "Known Visitor",
    "description": "Anyone who told us their email",
    "match": "all",
    "conditions-0-field": "email", "conditions-0-operator": "is_set",
    "conditions-3-field": "page_count", "conditions-3-operator": "greater_than",
    "conditions-3-value": "3",
}


def _segments():
    db.session.expire_all()
    return list(db.session.scalars(select(Segment).order_by(Segment.id)))


def test_create_two_condition_segment(as_admin, app_ctx):
    response = as_admin.post("/settings/segments/new", TWO_CONDITIONS)
    assert response.status_code == 303
    [segment] = _segments()
    assert segment.name == "Known Visitor"
    assert segment.criteria == {"match": "all", "conditions": [
        {"field": "email", "operator": "is_set", "value": None},
        {"field": "page_count", "operator": "greater_than", "value": 3},
    ]}
    listing = as_admin.get("/settings/segments/").get_data(as_text=True)
    assert "Email is known and Pages viewed &gt; 3" in listing


def test_list_values_and_any(as_admin, app_ctx):
    response = as_admin.post("/settings/segments/new", {
        "name": "Big or targeted", "match": "any",
        "conditions-0-field": "industry", "conditions-0-operator": "in_list",
        "conditions-0-value": "Software, Fintech",
        "conditions-1-field": "lifecycle_stage", "conditions-1-operator": "in_list",
        "conditions-1-value": ["MQL", "SQL"],
        "conditions-2-field": "current_url", "conditions-2-operator": "url_matches",
        "conditions-2-value": "*/pricing*",
    })
    assert response.status_code == 303
    [segment] = _segments()
    assert segment.criteria["match"] == "any"
    assert segment.criteria["conditions"][0]["value"] == ["Software", "Fintech"]
    assert segment.criteria["conditions"][1]["value"] == ["MQL", "SQL"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "This field is required"),
        ({"conditions-3-value": "lots"}, "number"),
        ({"conditions-3-operator": "contains"}, "contains"),
        ({"conditions-0-field": "shoe_size"}, "shoe_size"),
        ({"match": "most"}, "Not a valid choice"),
    ],
)
def test_invalid_segment_is_refused_with_field_errors(as_admin, app_ctx, changes, message):
    response = as_admin.post("/settings/segments/new", {**TWO_CONDITIONS, **changes})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _segments() == []


def test_segment_needs_a_condition(as_admin, app_ctx):
    response = as_admin.post("/settings/segments/new", {"name": "Empty", "match": "all"})
    assert response.status_code == 422
    assert "add at least one condition" in response.get_data(as_text=True)


def test_error_shows_on_its_row_and_keeps_input(as_admin, app_ctx):
    response = as_admin.post("/settings/segments/new",
                             {**TWO_CONDITIONS, "conditions-3-value": "lots"})
    page = response.get_data(as_text=True)
    row = page[page.index('id="condition-3"'):]
    row = row[:row.index("</div>")]
    assert 'value="lots"' in row and 'class="error"' in row


def test_duplicate_name(as_admin, app_ctx):
    SegmentFactory(name="Known Visitor")
    response = as_admin.post("/settings/segments/new", TWO_CONDITIONS)
    assert response.status_code == 422
    assert b"A segment with this name already exists" in response.data


def test_edit_shows_saved_rows_and_saves(as_admin, app_ctx):
    as_admin.post("/settings/segments/new", TWO_CONDITIONS)
    [segment] = _segments()
    page = as_admin.get(f"/settings/segments/{segment.id}").get_data(as_text=True)
    assert 'name="conditions-1-value" value="3"' in page
    response = as_admin.post(f"/settings/segments/{segment.id}", {
        **TWO_CONDITIONS, "conditions-3-value": "5"})
    assert response.status_code == 303
    assert _segments()[0].criteria["conditions"][1]["value"] == 5


def test_condition_row_follows_field_and_operator(as_admin):
    number = as_admin.get("/settings/segments/condition-row?index=2"
                          "&conditions-2-field=lead_score&conditions-2-operator=contains")
    html = number.get_data(as_text=True)
    assert number.status_code == 200
    assert 'name="conditions-2-operator"' in html
    assert 'value="greater_than"' in html and 'value="contains"' not in html
    assert 'type="number"' in html
    unknown = as_admin.get("/settings/segments/condition-row?index=2"
                           "&conditions-2-field=email&conditions-2-operator=is_set")
    assert "(no value)" in unknown.get_data(as_text=True)
    choice = as_admin.get("/settings/segments/condition-row?index=0"
                          "&conditions-0-field=lifecycle_stage&conditions-0-operator=in_list")
    assert ('type="checkbox" name="conditions-0-value" value="MQL"' in choice.get_data(as_text=True)
            and "<span>MQL</span>" in choice.get_data(as_text=True))


def test_add_condition_takes_the_next_index(as_admin):
    added = as_admin.get("/settings/segments/condition-row?add=1"
                         "&conditions-0-field=email&conditions-4-field=email")
    assert 'id="condition-5"' in added.get_data(as_text=True)


def test_experience_condition_lists_experiences(as_admin, app_ctx):
    ExperienceFactory(name="Pricing Page")
    row = as_admin.get("/settings/segments/condition-row?index=0"
                       "&conditions-0-field=experience_id&conditions-0-operator=equals")
    assert ">Pricing Page<" in row.get_data(as_text=True)


@pytest.mark.parametrize("query", ["index=x", "index=5000", "index=0&conditions-0-field=nope"])
def test_bad_condition_row_requests(as_admin, query):
    assert as_admin.get(f"/settings/segments/condition-row?{query}").status_code == 400


def test_delete_warns_about_its_stream(as_admin, app_ctx):
    segment = SegmentFactory(name="Known Visitor")
    StreamFactory(name="High Intent", segments=[segment])
    warning = as_admin.get(f"/settings/segments/{segment.id}/delete").get_data(as_text=True)
    assert "This segment belongs to High Intent" in warning
    assert "Reps may stop seeing some visitors" in warning
    assert as_admin.post(f"/settings/segments/{segment.id}/delete").status_code == 303
    assert _segments() == []
    db.session.expire_all()
    assert db.session.scalar(select(Stream)).segments == []


@pytest.mark.parametrize("path", ["/settings/segments/", "/settings/segments/new",
                                  "/settings/segments/condition-row?index=0"])
def test_reps_get_403(as_rep, path):
    assert as_rep.get(path).status_code == 403


def test_rep_cannot_create(as_rep, app_ctx):
    assert as_rep.post("/settings/segments/new", TWO_CONDITIONS).status_code == 403
    assert _segments() == []


def test_create_needs_csrf(as_admin, app_ctx):
    assert as_admin.client.post("/settings/segments/new", data=TWO_CONDITIONS).status_code == 400
    assert _segments() == []


def test_values_are_escaped(as_admin, app_ctx):
    response = as_admin.post("/settings/segments/new", {
        **TWO_CONDITIONS, "name": "<b>x</b>", "conditions-3-field": "utm_source",
        "conditions-3-operator": "equals", "conditions-3-value": '"><script>alert(1)</script>'})
    assert response.status_code == 303
    page = as_admin.get("/settings/segments/").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "<b>x</b>" not in page
