"""Settings → Experiences: targeted chat flows (pages, audience, ordered steps)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional

from liveapp.access import admin_required
from liveapp.blueprints.forms import experience_form
from liveapp.blueprints.forms.criteria_form import attach_errors
from liveapp.domain.experiences import URL_RULE_KINDS
from liveapp.domain.flows import QUESTION_KINDS, STEP_LABELS
from liveapp.domain.invitations import TRIGGERS
from liveapp.errors import ValidationFailed
from liveapp.extensions import db
from liveapp.models import Experience, Segment, Stream
from liveapp.services.membership import experiences as experience_service

bp = Blueprint("experiences", __name__, url_prefix="/settings/experiences")

ROW_LIMIT = 1000


class ExperienceForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=80)])
    active = BooleanField("Active", default=True)
    audience = SelectMultipleField("Audience (segments; none = everyone)", coerce=int)
    invitation_trigger = SelectField(
        "Open the chat by itself", default="", choices=[("", "Never: the visitor opens it")] + [
            (key, label) for key, (label, _, _, _) in TRIGGERS.items()])
    invitation_value = IntegerField(
        "After (seconds, or % of the page when scrolling)", validators=[Optional()],
        description="Seconds for time on the page (1 to 600) and idle (5 to 600), or the "
                    "share of the page scrolled (10 to 100 %). It opens once per visit at "
                    "most, never while a chat is open.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        segments = db.session.scalars(select(Segment).order_by(Segment.name))
        self.audience.choices = [(s.id, s.name) for s in segments]

    def invitation(self) -> dict | None:
        """The trigger chosen, as the experiences service takes it (None: never)."""
        trigger = self.invitation_trigger.data
        if not trigger:
            return None
        takes_value = TRIGGERS[trigger][1] is not None  # a valid choice (SelectField)
        return {"trigger": trigger,
                "value": self.invitation_value.data if takes_value else None}

    def show_invitation(self, saved: dict | None) -> None:
        self.invitation_trigger.data = (saved or {}).get("trigger") or ""
        self.invitation_value.data = (saved or {}).get("value")


def _choices() -> dict:
    return {"url_kinds": URL_RULE_KINDS, "step_labels": STEP_LABELS,
            "question_kinds": QUESTION_KINDS}


def _row_index(pattern) -> int:
    """The row's index; with add=1, the one after every row the request includes."""
    try:
        if request.args.get("add"):
            existing = [int(m.group(1)) for key in request.args if (m := pattern.match(key))]
            index = max(existing, default=-1) + 1
        else:
            index = int(request.args.get("index", ""))
    except ValueError:
        abort(400)
    if not 0 <= index < ROW_LIMIT:
        abort(400)
    return index


@bp.get("/")
@admin_required
def index():
    return render_template("experiences/index.html",
                           experiences=experience_service.ordered_experiences(), error=None,
                           step_labels=STEP_LABELS)


def _rows_for(form: ExperienceForm, experience: Experience | None):
    if form.is_submitted():
        return (experience_form.url_rules_from_form(request.form),
                experience_form.steps_from_form(request.form))
    if experience is not None:
        form.audience.data = [s.id for s in experience.audience]
        form.show_invitation(experience.invitation)
        return (experience_form.url_rules_from_saved(experience.targeting),
                experience_form.steps_from_saved(experience.flow))
    return [], [experience_form.StepRow(0, "bot_message", "Hi! Can we help you find anything?")]


@bp.route("/new", methods=["GET", "POST"], defaults={"experience_id": None})
@bp.route("/<int:experience_id>", methods=["GET", "POST"])
@admin_required
def edit(experience_id: int | None):
    experience = db.get_or_404(Experience, experience_id) if experience_id is not None else None
    form = ExperienceForm(obj=experience)
    rules, steps = _rows_for(form, experience)
    general: list[str] = []
    if form.validate_on_submit():
        audience = [s for s in (db.session.get(Segment, i) for i in form.audience.data or []) if s]
        try:
            saved = experience_service.save_experience(
                experience, name=form.name.data, active=form.active.data,
                targeting=experience_form.targeting_data(rules), audience=audience,
                flow=experience_form.flow_data(steps), invitation=form.invitation(),
            )
        except ValidationFailed as failed:
            if "name" in failed.errors:
                form.name.errors = [failed.errors["name"]]
            if "invitation" in failed.errors:
                form.invitation_value.errors = [failed.errors["invitation"]]
            general += attach_errors(rules, failed.errors.get("targeting", []),
                                     experience_form.URL_RULE_ERROR)
            general += attach_errors(steps, failed.errors.get("flow", []),
                                     experience_form.STEP_ERROR)
        else:
            flash(f"Saved experience {saved.name}.", "success")
            return redirect(url_for("experiences.index"), code=303)
    status = 422 if form.is_submitted() else 200
    experience_form.attach_target_options(steps)
    return render_template("experiences/form.html", form=form, experience=experience,
                           rules=rules, steps=steps, general_errors=general, **_choices()), status


@bp.get("/url-rule-row")
@admin_required
def url_rule_row():
    """A new, empty URL rule row (htmx)."""
    rule = experience_form.UrlRuleRow(_row_index(experience_form.URL_RULE_KEY))
    return render_template("experiences/_url_rule.html", rule=rule, **_choices())


@bp.get("/step-row")
@admin_required
def step_row():
    """A step row (htmx): new, re-rendered when its type changes, or with one more
    button row. Its buttons' target choices are completed in the page (experience_form.js)
    from the steps around it."""
    index = _row_index(experience_form.STEP_KEY)
    args = {f"steps-{index}-type": "bot_message", f"steps-{index}-question": "email",
            **request.args.to_dict()}
    step = experience_form.step_from_form(args, index, more_buttons=bool(args.get("more_buttons")))
    if step.type not in STEP_LABELS:
        abort(400)
    experience_form.attach_target_options([step])
    return render_template("experiences/_step.html", step=step, **_choices())


@bp.post("/reorder")
@admin_required
def reorder():
    """Save the priority order from drag and drop (htmx); return the list."""
    try:
        experiences = experience_service.reorder([int(v) for v in request.form.getlist("order")])
        error = None
    except (ValueError, ValidationFailed):
        experiences = experience_service.ordered_experiences()
        error = "The order could not be saved; the list was reloaded."
    return render_template("experiences/_list.html", experiences=experiences, error=error,
                           step_labels=STEP_LABELS), 400 if error else 200


@bp.route("/<int:experience_id>/delete", methods=["GET", "POST"])
@admin_required
def delete(experience_id: int):
    experience = db.get_or_404(Experience, experience_id)
    if request.method == "GET":
        streams = db.session.scalars(
            select(Stream).where(Stream.experiences.contains(experience))).all()
        return render_template("experiences/delete.html", experience=experience, streams=streams)
    name = experience.name
    experience_service.delete_experience(experience)
    flash(f"Deleted experience {name}.", "success")
    return redirect(url_for("experiences.index"), code=303)
