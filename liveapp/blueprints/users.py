"""Settings → Users: admins create, edit, deactivate and reactivate users."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    BooleanField,
    EmailField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from liveapp.access import admin_required
from liveapp.domain import salesforce_ids
from liveapp.errors import ValidationFailed
from liveapp.extensions import db
from liveapp.models import AVAILABILITY, Group, User
from liveapp.services.routing import reps, working_hours
from liveapp.services.settings import users as user_service

bp = Blueprint("users", __name__, url_prefix="/settings/users")

class ShiftForm(Form):
    """One weekday's shift; both blank is a day off."""

    start = StringField("Start")
    end = StringField("End")


class UserForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField("Role", choices=[("rep", "Rep"), ("admin", "Admin")])
    password = PasswordField(
        "Password",
        validators=[Optional(), Length(8, 200, message="A password needs at least 8 characters.")],
    )
    is_chat_user = BooleanField("Chat user (can be routed visitors)", default=True)
    availability = SelectField("Availability", choices=[(a, a.title()) for a in AVAILABILITY])
    max_concurrent_chats = IntegerField(
        "Concurrent chat limit", default=3, validators=[InputRequired(), NumberRange(1, 50)]
    )
    salesforce_user_id = StringField("Salesforce user id", validators=[Optional()])
    groups = SelectMultipleField("Groups", coerce=int)
    # Checked against the IANA names by _validate_hours, with a message naming the value.
    time_zone = SelectField("Time zone", default="UTC", validate_choice=False,
                            validators=[Length(max=64)])
    limit_hours = BooleanField("Route visitors to this user only during their working hours")
    hours = FieldList(FormField(ShiftForm), min_entries=7, max_entries=7)

    def __init__(self, *args, creating: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.creating = creating
        groups = db.session.scalars(select(Group).order_by(Group.name))
        self.groups.choices = [(g.id, g.name) for g in groups]
        self.time_zone.choices = working_hours.zone_choices(self.time_zone.data)

    def validate_salesforce_user_id(self, field: StringField) -> None:
        # Checked here too (the service decides), so the error shows with the others.
        error = salesforce_ids.id_error(field.data)
        if error:
            raise ValidationError(error)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        valid = self._validate_hours() and valid
        if self.creating and not self.password.data:
            # Optional() stops the chain on empty input, so check here.
            self.password.errors = ["A new user needs a password of at least 8 characters."]
            return False
        return valid

    def _validate_hours(self) -> bool:
        valid = True
        zone_error = working_hours.zone_error(self.zone())
        if zone_error:
            self.time_zone.errors = [*self.time_zone.errors, zone_error]
            valid = False
        for entry in self.hours:
            error = working_hours.shift_error(entry.start.data, entry.end.data)
            if error:
                entry.end.errors = [*entry.end.errors, error]
                valid = False
        if self.limit_hours.data and valid and not any(s for s, _ in self.shifts()):
            self.limit_hours.errors = ["Give at least one working day, or untick this box."]
            valid = False
        return valid

    def zone(self) -> str:
        """The time zone as typed; empty means UTC."""
        return (self.time_zone.data or "").strip() or "UTC"

    def shifts(self) -> list[tuple[str, str]]:
        return [((e.start.data or "").strip(), (e.end.data or "").strip()) for e in self.hours]

    def values(self) -> dict:
        groups = [db.session.get(Group, gid) for gid in self.groups.data or []]
        return {
            "name": self.name.data,
            "email": self.email.data,
            "role": self.role.data,
            "password": self.password.data or None,
            "is_chat_user": self.is_chat_user.data,
            "availability": self.availability.data,
            "max_concurrent_chats": self.max_concurrent_chats.data,
            "salesforce_user_id": (self.salesforce_user_id.data or "").strip() or None,
            "groups": [g for g in groups if g is not None],
            "time_zone": self.zone(),
            "working_hours": (
                working_hours.schedule_from_shifts(self.shifts())
                if self.limit_hours.data else None
            ),
        }


def _hours_data(user: User | None) -> dict:
    """Initial values of the working hours fields (office hours when none are set)."""
    schedule = user.working_hours if user is not None else None
    return {
        "limit_hours": schedule is not None,
        "hours": [{"start": s, "end": e} for s, e in working_hours.shifts_from_schedule(schedule)],
    }


def _hours_context() -> dict:
    return {"weekdays": working_hours.WEEKDAYS}


def _apply_errors(form: FlaskForm, errors: dict[str, str]) -> None:
    for field, message in errors.items():
        getattr(form, field).errors = [*getattr(form, field).errors, message]


@bp.get("/")
@admin_required
def index():
    users = db.session.scalars(select(User).order_by(User.active.desc(), User.name)).all()
    return render_template("users/index.html", users=users,
                           routing_states=reps.routing_states(users),
                           describe_hours=working_hours.describe)


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def create():
    form = UserForm(creating=True, **_hours_data(None))
    if form.validate_on_submit():
        try:
            user = user_service.create_user(**form.values())
        except ValidationFailed as failed:
            _apply_errors(form, failed.errors)
        else:
            flash(f"{user.name} can now sign in.", "success")
            return redirect(url_for("users.index"), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template("users/form.html", form=form, user=None, **_hours_context()), status


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@admin_required
def edit(user_id: int):
    user = db.get_or_404(User, user_id)
    form = UserForm(obj=user, creating=False, **_hours_data(user))
    if not form.is_submitted():
        form.groups.data = [g.id for g in user.groups]
    if form.validate_on_submit():
        values = form.values()
        if user.id == current_user.id and values["role"] != "admin":
            form.role.errors = ["You cannot remove your own admin role."]
        else:
            try:
                user_service.update_user(user, **values)
            except ValidationFailed as failed:
                _apply_errors(form, failed.errors)
            else:
                if user.id == current_user.id and values["password"]:
                    login_user(user)  # a new password ends the other sessions, not this one
                flash(f"Saved {user.name}.", "success")
                return redirect(url_for("users.index"), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template("users/form.html", form=form, user=user, **_hours_context()), status


@bp.post("/<int:user_id>/deactivate")
@admin_required
def deactivate(user_id: int):
    user = db.get_or_404(User, user_id)
    if user.id == current_user.id:
        flash("You cannot deactivate yourself.", "error")
    else:
        user_service.set_active(user, False)
        flash(f"{user.name} is deactivated and can no longer sign in.", "success")
    return redirect(url_for("users.index"), code=303)


@bp.post("/<int:user_id>/reactivate")
@admin_required
def reactivate(user_id: int):
    user = db.get_or_404(User, user_id)
    user_service.set_active(user, True)
    flash(f"{user.name} can sign in again.", "success")
    return redirect(url_for("users.index"), code=303)
