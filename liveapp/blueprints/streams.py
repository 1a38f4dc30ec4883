"""Settings → Streams: coloured, ordered board columns made of segments and experiences."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import RadioField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from liveapp.access import admin_required
from liveapp.errors import ValidationFailed
from liveapp.extensions import db
from liveapp.models import Experience, Segment, Stream
from liveapp.services.membership import criteria_refs
from liveapp.services.membership import streams as stream_service

bp = Blueprint("streams", __name__, url_prefix="/settings/streams")

HEX = r"^#[0-9a-fA-F]{6}$"


class StreamForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=80)])
    colour = RadioField(
        "Colour",
        choices=[*stream_service.PALETTE, ("custom", "Custom")],
        default=stream_service.PALETTE[0][0],
    )
    custom_colour = StringField(
        "Custom colour (hex)",
        validators=[
            Optional(),
            Regexp(HEX, message="A colour is # and six hex digits, e.g. #1a2b3c."),
        ],
    )
    segments = SelectMultipleField("Segments", coerce=int)
    experiences = SelectMultipleField("Experiences", coerce=int)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        segments = db.session.scalars(select(Segment).order_by(Segment.name))
        experiences = db.session.scalars(select(Experience).order_by(Experience.name))
        self.segments.choices = [(s.id, s.name) for s in segments]
        self.experiences.choices = [(e.id, e.name) for e in experiences]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.colour.data == "custom" and not self.custom_colour.data:
            self.custom_colour.errors = ["Pick a palette colour or give a custom hex colour."]
            return False
        return valid

    def chosen_colour(self) -> str:
        return self.custom_colour.data if self.colour.data == "custom" else self.colour.data

    def load(self, stream: Stream) -> None:
        palette = {hex_ for hex_, _ in stream_service.PALETTE}
        self.colour.data = stream.colour if stream.colour in palette else "custom"
        self.custom_colour.data = "" if stream.colour in palette else stream.colour
        self.segments.data = [s.id for s in stream.segments]
        self.experiences.data = [e.id for e in stream.experiences]


def _rows(model, ids):
    return [row for row in (db.session.get(model, i) for i in ids or []) if row is not None]


@bp.get("/")
@admin_required
def index():
    streams = stream_service.ordered_streams()
    return render_template("streams/index.html", streams=streams)


@bp.route("/new", methods=["GET", "POST"], defaults={"stream_id": None})
@bp.route("/<int:stream_id>", methods=["GET", "POST"])
@admin_required
def edit(stream_id: int | None):
    stream = db.get_or_404(Stream, stream_id) if stream_id is not None else None
    form = StreamForm(obj=stream)
    if stream is not None and not form.is_submitted():
        form.load(stream)
    if form.validate_on_submit():
        try:
            saved = stream_service.save_stream(
                stream,
                name=form.name.data,
                colour=form.chosen_colour(),
                segments=_rows(Segment, form.segments.data),
                experiences=_rows(Experience, form.experiences.data),
            )
        except ValidationFailed as failed:
            for field, message in failed.errors.items():
                getattr(form, field).errors = [message]
        else:
            flash(f"Saved stream {saved.name}. Boards show the change now.", "success")
            return redirect(url_for("streams.index"), code=303)
    owners = stream_service.segment_owners([s for s, _ in form.segments.choices])
    status = 422 if form.is_submitted() else 200
    return render_template(
        "streams/form.html", form=form, stream=stream, owners=owners,
        palette=stream_service.PALETTE,
    ), status


@bp.post("/reorder")
@admin_required
def reorder():
    """Save the order from drag and drop (htmx) and return the re-rendered list."""
    try:
        ids = [int(value) for value in request.form.getlist("order")]
        streams = stream_service.reorder(ids)
    except (ValueError, ValidationFailed):
        return render_template("streams/_list.html", streams=stream_service.ordered_streams(),
                               error="The order could not be saved; the list was reloaded."), 400
    return render_template("streams/_list.html", streams=streams, error=None)


@bp.route("/<int:stream_id>/delete", methods=["GET", "POST"])
@admin_required
def delete(stream_id: int):
    stream = db.get_or_404(Stream, stream_id)
    if request.method == "GET":
        return render_template("streams/delete.html", stream=stream,
                               in_use=criteria_refs.in_use_message("stream", stream.id))
    name = stream.name
    try:
        stream_service.delete_stream(stream)
    except ValidationFailed as failed:
        return render_template("streams/delete.html", stream=stream,
                               in_use=failed.errors["stream"]), 409
    flash(f"Deleted stream {name}.", "success")
    return redirect(url_for("streams.index"), code=303)
