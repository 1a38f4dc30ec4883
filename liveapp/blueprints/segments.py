"""Settings → Segments: named rules over visitor data, built row by row with htmx."""

from __future__ import annotations

import functools

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from liveapp.access import admin_required
from liveapp.blueprints.forms import criteria_form
from liveapp.domain import criteria as domain
from liveapp.domain.fields import FIELDS
from liveapp.errors import ValidationFailed
from liveapp.extensions import db
from liveapp.models import Segment
from liveapp.services.membership import criteria_refs, live_membership
from liveapp.services.membership import segments as segment_service
from liveapp.services.membership import streams as stream_service

bp = Blueprint("segments", __name__, url_prefix="/settings/segments")

MATCH_CHOICES = [("all", "all of these conditions"), ("any", "any of these conditions")]


class SegmentForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=80)])
    description = TextAreaField("Description", validators=[Length(max=500)])
    match = RadioField("Visitors match when they meet", choices=MATCH_CHOICES, default="all")


SCOPES = ("segment", "routing")  # whose criteria the builder edits


def builder_context(scope: str = "segment") -> dict:
    """What the criteria builder needs to render its selects; routing rules' criteria
    may also test membership (in segment, in stream), segments' may not."""
    return {
        "field_groups": domain.field_groups(for_routing=scope == "routing"),
        "fields": FIELDS,
        "choices": criteria_refs.choices().by_kind,
        "scope": scope,
    }


@bp.get("/")
@admin_required
def index():
    segments = segment_service.ordered_segments()
    owners = stream_service.segment_owners([s.id for s in segments])
    names = criteria_refs.choices().names()
    return render_template(
        "segments/index.html", segments=segments, owners=owners,
        describe=functools.partial(segment_service.describe, names=names),
    )


@bp.route("/new", methods=["GET", "POST"], defaults={"segment_id": None})
@bp.route("/<int:segment_id>", methods=["GET", "POST"])
@admin_required
def edit(segment_id: int | None):
    segment = db.get_or_404(Segment, segment_id) if segment_id is not None else None
    form = SegmentForm(obj=segment)
    rows: list[criteria_form.Row]
    general: list[str] = []
    if form.is_submitted():
        rows = criteria_form.rows_from_form(request.form)
    elif segment is not None:
        form.match.data = segment.criteria.get("match", "all")
        rows = criteria_form.rows_from_criteria(segment.criteria)
    else:
        rows = [criteria_form.normalised_row(0, "email_domain", "")]
    if form.validate_on_submit():
        criteria = criteria_form.criteria_from_rows(form.match.data, rows)
        try:
            saved = segment_service.save_segment(
                segment, name=form.name.data, description=form.description.data or "",
                criteria=criteria,
            )
        except ValidationFailed as failed:
            if "name" in failed.errors:
                form.name.errors = [failed.errors["name"]]
            general = criteria_form.attach_errors(rows, failed.errors.get("criteria", []))
        else:
            flash(f"Saved segment {saved.name}.", "success")
            return redirect(url_for("segments.index"), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template(
        "segments/form.html", form=form, segment=segment, rows=rows, general_errors=general,
        **builder_context(),
    ), status


@bp.get("/condition-row")
@admin_required
def condition_row():
    """One condition row (htmx): operators follow the field, the value input the operator.

    With add=1 it is a new row after the rows the request includes.
    """
    scope = request.args.get("scope", "segment")
    if scope not in SCOPES:
        abort(400)
    try:
        if request.args.get("add"):
            rows = criteria_form.rows_from_form(request.args)
            index = max((r.index for r in rows), default=-1) + 1
        else:
            index = int(request.args.get("index", "0"))
    except ValueError:
        abort(400)
    if not 0 <= index < 1000:
        abort(400)
    prefix = f"conditions-{index}-"
    field = request.args.get(prefix + "field", "email_domain")
    if field not in FIELDS or (FIELDS[field].for_routing and scope != "routing"):
        abort(400)
    row = criteria_form.normalised_row(
        index, field, request.args.get(prefix + "operator", ""),
        request.args.get(prefix + "value"), request.args.get(prefix + "question", ""),
    )
    return render_template("components/_condition.html", row=row, **builder_context(scope))


@bp.post("/preview")
@admin_required
def preview():
    """"N visitors match right now" for the conditions being edited (htmx)."""
    rows = criteria_form.rows_from_form(request.form)
    match = request.form.get("match", "all")
    criteria = criteria_form.criteria_from_rows(match, rows)
    if domain.validate(criteria):
        return render_template("segments/_preview.html", count=None)
    return render_template("segments/_preview.html", count=live_membership.count_matching(criteria))


@bp.get("/condition-row/removed")
@admin_required
def condition_removed():
    """An empty answer: htmx removes the row (hx-swap="delete")."""
    return ""


@bp.route("/<int:segment_id>/delete", methods=["GET", "POST"])
@admin_required
def delete(segment_id: int):
    segment = db.get_or_404(Segment, segment_id)
    owner = stream_service.segment_owners([segment.id]).get(segment.id)
    in_use = criteria_refs.in_use_message("segment", segment.id)
    if request.method == "GET":
        return render_template("segments/delete.html", segment=segment, owner=owner,
                               in_use=in_use)
    name = segment.name
    try:
        segment_service.delete_segment(segment)
    except ValidationFailed as failed:
        return render_template("segments/delete.html", segment=segment, owner=owner,
                               in_use=failed.errors["segment"]), 409
    flash(f"Deleted segment {name}.", "success")
    return redirect(url_for("segments.index"), code=303)
