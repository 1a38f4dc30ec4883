"""Settings → Streams: create, edit, reorder, delete; one stream per segment; admin only."""

import re

import pytest
from sqlalchemy import select

from liveapp.extensions import db
from liveapp.models import Stream
from tests.factories import ExperienceFactory, SegmentFactory, StreamFactory


def _streams():
    db.session.expire_all()
    return list(db.session.scalars(select(Stream).order_by(Stream.position)))


def test_create_stream_with_palette_colour(as_admin, app_ctx, changes):
    known = SegmentFactory(name="Known Visitor")
    pricing = ExperienceFactory(name="Pricing Page")
    response = as_admin.post("/settings/streams/new", {
        "name": "High Intent", "colour": "#c62f3a",
        "segments": [known.id], "experiences": [pricing.id],
    })
    assert response.status_code == 303
    [stream] = _streams()
    assert (stream.name, stream.colour, stream.position) == ("High Intent", "#c62f3a", 0)
    assert [s.name for s in stream.segments] == ["Known Visitor"]
    assert [e.name for e in stream.experiences] == ["Pricing Page"]
    assert changes == ["streams"]


def test_custom_colour_and_new_streams_go_last(as_admin, app_ctx):
    StreamFactory(name="First", position=0, experiences=[ExperienceFactory()])
    segment = SegmentFactory()
    response = as_admin.post("/settings/streams/new", {
        "name": "Custom", "colour": "custom", "custom_colour": "#ABCDEF", "segments": [segment.id],
    })
    assert response.status_code == 303
    last = _streams()[-1]
    assert (last.name, last.colour, last.position) == ("Custom", "#abcdef", 1)


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"name": ""}, "This field is required"),
        ({"colour": "custom", "custom_colour": ""}, "Pick a palette colour or give a custom hex"),
        ({"colour": "custom", "custom_colour": "red"}, "A colour is # and six hex digits"),
        ({"colour": "#123456"}, "Not a valid choice"),
        ({"segments": [], "experiences": []}, "A stream needs at least one segment or experience"),
        ({"segments": ["9999"]}, "not a valid choice"),
    ],
)
def test_stream_form_errors_write_nothing(as_admin, app_ctx, form, message):
    segment = SegmentFactory()
    data = {"name": "Target Accounts", "colour": "#1f9d55", "segments": [segment.id], **form}
    response = as_admin.post("/settings/streams/new", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _streams() == []


def test_duplicate_stream_name(as_admin, app_ctx):
    StreamFactory(name="Known Leads", experiences=[ExperienceFactory()])
    response = as_admin.post("/settings/streams/new", {
        "name": "known leads", "colour": "#1f9d55", "experiences": [ExperienceFactory().id],
    })
    assert response.status_code == 422
    assert b"A stream with this name already exists" in response.data


def test_segment_belongs_to_one_stream_only(as_admin, app_ctx):
    known = SegmentFactory(name="Known Visitor")
    StreamFactory(name="High Intent", segments=[known])
    response = as_admin.post("/settings/streams/new", {
        "name": "Known Customers", "colour": "#1f9d55", "segments": [known.id],
    })
    assert response.status_code == 422
    assert "This segment belongs to High Intent" in response.get_data(as_text=True)
    assert [s.name for s in _streams()] == ["High Intent"]


def test_form_marks_segments_taken_by_other_streams(as_admin, app_ctx):
    known = SegmentFactory(name="Known Visitor")
    StreamFactory(name="High Intent", segments=[known])
    page = as_admin.get("/settings/streams/new").get_data(as_text=True)
    assert 'Known Visitor <small class="hint">(in High Intent)</small>' in page


def test_database_refuses_a_segment_in_two_streams(app_ctx):
    from sqlalchemy.exc import IntegrityError

    known = SegmentFactory()
    StreamFactory(name="A", segments=[known])
    other = StreamFactory(name="B", experiences=[ExperienceFactory()])
    other.segments = [known]
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_edit_keeps_own_segments(as_admin, app_ctx):
    known = SegmentFactory(name="Known Visitor")
    stream = StreamFactory(name="High Intent", segments=[known])
    response = as_admin.post(f"/settings/streams/{stream.id}", {
        "name": "Very High Intent", "colour": "#7c3aed", "segments": [known.id],
    })
    assert response.status_code == 303
    [saved] = _streams()
    assert (saved.name, saved.colour) == ("Very High Intent", "#7c3aed")


def test_edit_form_shows_current_values(as_admin, app_ctx):
    stream = StreamFactory(name="Odd", colour="#010203", experiences=[ExperienceFactory()])
    page = as_admin.get(f"/settings/streams/{stream.id}").get_data(as_text=True)
    assert 'value="#010203"' in page
    custom = re.search(r'<input[^>]*value="custom"[^>]*>', page).group(0)
    assert "checked" in custom


def test_reorder_is_persisted(as_admin, app_ctx, changes):
    a, b, c = (StreamFactory(name=n, position=i, experiences=[ExperienceFactory()])
               for i, n in enumerate("ABC"))
    response = as_admin.client.post(
        "/settings/streams/reorder", data={"order": [c.id, a.id, b.id]},
        headers={"HX-Request": "true", "X-CSRFToken": as_admin.csrf("/settings/streams/")},
    )
    assert response.status_code == 200
    assert [s.name for s in _streams()] == ["C", "A", "B"]
    html = response.get_data(as_text=True)
    assert html.index(f"stream-{c.id}") < html.index(f"stream-{a.id}")
    assert changes == ["streams"]


@pytest.mark.parametrize("order", [[], ["x"], "dup", "missing"])
def test_bad_reorder_changes_nothing(as_admin, app_ctx, order):
    a, b = (StreamFactory(name=n, position=i, experiences=[ExperienceFactory()])
            for i, n in enumerate("AB"))
    order = {"dup": [a.id, a.id], "missing": [b.id]}.get(order, order) if isinstance(
        order, str) else order
    response = as_admin.client.post(
        "/settings/streams/reorder", data={"order": order},
        headers={"HX-Request": "true", "X-CSRFToken": as_admin.csrf("/settings/streams/")},
    )
    assert response.status_code == 400
    assert [s.name for s in _streams()] == ["A", "B"]


def test_reorder_needs_csrf(as_admin, app_ctx):
    a, b = (StreamFactory(name=n, position=i, experiences=[ExperienceFactory()])
            for i, n in enumerate("AB"))
    response = as_admin.client.post("/settings/streams/reorder", data={"order": [b.id, a.id]})
    assert response.status_code == 400
    assert [s.name for s in _streams()] == ["A", "B"]


def test_delete_warns_then_deletes_and_frees_segments(as_admin, app_ctx, changes):
    known = SegmentFactory(name="Known Visitor")
    stream = StreamFactory(name="High Intent", segments=[known], position=0)
    StreamFactory(name="Other", position=1, experiences=[ExperienceFactory()])
    warning = as_admin.get(f"/settings/streams/{stream.id}/delete")
    assert b"Reps may stop seeing some visitors" in warning.data
    assert as_admin.post(f"/settings/streams/{stream.id}/delete").status_code == 303
    remaining = _streams()
    assert [(s.name, s.position) for s in remaining] == [("Other", 0)]
    reuse = as_admin.post(f"/settings/streams/{remaining[0].id}", {
        "name": "Other", "colour": "#2f5bea", "segments": [known.id],
    })
    assert reuse.status_code == 303
    assert changes == ["streams", "streams"]


def test_unknown_stream_is_404(as_admin):
    assert as_admin.get("/settings/streams/999").status_code == 404
    assert as_admin.post("/settings/streams/999/delete").status_code == 404


@pytest.mark.parametrize("path", ["/settings/streams/", "/settings/streams/new",
                                  "/settings/streams/1", "/settings/streams/1/delete"])
def test_reps_get_403(as_rep, path):
    assert as_rep.get(path).status_code == 403


def test_rep_cannot_reorder_or_delete(as_rep, app_ctx):
    stream = StreamFactory(experiences=[ExperienceFactory()])
    assert as_rep.post("/settings/streams/reorder", {"order": [stream.id]}).status_code == 403
    assert as_rep.post(f"/settings/streams/{stream.id}/delete").status_code == 403
    assert len(_streams()) == 1


def test_stream_names_are_escaped(as_admin, app_ctx):
    StreamFactory(name='<img src=x onerror=alert(1)>', experiences=[ExperienceFactory()])
    page = as_admin.get("/settings/streams/").get_data(as_text=True)
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
