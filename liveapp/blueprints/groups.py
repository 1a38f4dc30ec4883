"""Settings → Groups: named sets of reps that routing rules can target."""

from __future__ import annotations

import time

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    BooleanField,
    FieldList,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length

from liveapp.access import admin_required
from liveapp.domain import business_hours as hours_rules
from liveapp.errors import ValidationFailed
from liveapp.extensions import db
from liveapp.models import Group, User
from liveapp.models.user import GROUP_DISTRIBUTIONS
from liveapp.services.routing import group_hours, working_hours
from liveapp.services.settings import users as user_service

bp = Blueprint("groups", __name__, url_prefix="/settings/groups")


class GroupForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=80)])
    members = SelectMultipleField("Members", coerce=int)
    # Checked against the IANA names in validate, with a message naming the value.
    time_zone = SelectField("Time zone", default="UTC", validate_choice=False,
                            validators=[Length(max=64)])
    limit_hours = BooleanField("Route visitors to this group only during its business hours")
    days = FieldList(StringField(), min_entries=7, max_entries=7)
    holidays = TextAreaField("Holidays (closed all day)")
    distribution = SelectField("Chats transferred to this group go to",
                               choices=list(GROUP_DISTRIBUTIONS.items()),
                               default="first_available")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        users = db.session.scalars(select(User).where(User.active).order_by(User.name))
        self.members.choices = [(u.id, f"{u.name} <{u.email}>") for u in users]
        self.time_zone.choices = [(n, n) for n in working_hours.zone_names()]

    def fill(self, group: Group) -> None:
        """Show the group's saved members and hours (a GET)."""
        self.members.data = [u.id for u in group.members]
        self.time_zone.data = group.time_zone
        self.limit_hours.data = group.business_hours is not None
        week = hours_rules.from_stored(group.time_zone, group.business_hours) \
            if group.business_hours is not None else None
        for entry, intervals in zip(self.days, week.week if week else [()] * 7, strict=True):
            entry.data = hours_rules.day_text(intervals)
        self.holidays.data = "\n".join(group.holidays or [])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return self._parse_hours() and valid

    def _parse_hours(self) -> bool:
        """Read the hours into `self.hours` (None: always open); False with errors."""
        self.hours: dict | None = None
        zone_error = working_hours.zone_error(self.time_zone.data or "")
        if zone_error:
            self.time_zone.errors = [*self.time_zone.errors, zone_error]
        week, day_errors = [], False
        for name, entry in zip(hours_rules.WEEKDAYS, self.days, strict=True):
            try:
                week.append(hours_rules.parse_day(entry.data or ""))
            except ValueError as bad:
                entry.errors = [f"{name}: {bad}"]
                day_errors = True
        try:
            holidays = hours_rules.parse_holidays(self.holidays.data or "")
        except ValueError as bad:
            self.holidays.errors = [*self.holidays.errors, str(bad)]
            return False
        if zone_error or day_errors:
            return False
        if self.limit_hours.data and not any(week):
            self.limit_hours.errors = ["Give at least one open day, or untick this box."]
            return False
        self.hours = {
            "time_zone": self.time_zone.data.strip(),
            "business_hours": hours_rules.to_stored(week) if self.limit_hours.data else None,
            "holidays": sorted(d.isoformat() for d in holidays),
        }
        return True


@bp.get("/")
@admin_required
def index():
    groups = db.session.scalars(select(Group).order_by(Group.name)).all()
    return render_template("groups/index.html", groups=groups, hours_of=_hours_words,
                           closed=group_hours.closed_groups(time.time()))


def _hours_words(group: Group) -> str:
    try:
        return hours_rules.describe(group_hours.hours_of(group))
    except ValueError:
        return "Hours damaged: edit and save them again"


@bp.route("/new", methods=["GET", "POST"], defaults={"group_id": None})
@bp.route("/<int:group_id>", methods=["GET", "POST"])
@admin_required
def edit(group_id: int | None):
    group = db.get_or_404(Group, group_id) if group_id is not None else None
    form = GroupForm(obj=group)
    if group is not None and not form.is_submitted():
        form.fill(group)
    if form.validate_on_submit():
        members = [db.session.get(User, uid) for uid in form.members.data or []]
        try:
            saved = user_service.save_group(
                group, name=form.name.data, members=[m for m in members if m],
                hours=form.hours,
                distribution=form.distribution.data,
            )
        except ValidationFailed as failed:
            for name, error in failed.errors.items():
                form[name].errors = [error]
        else:
            flash(f"Saved group {saved.name}.", "success")
            return redirect(url_for("groups.index"), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template("groups/form.html", form=form, group=group,
                           weekdays=hours_rules.WEEKDAYS), status


@bp.post("/<int:group_id>/delete")
@admin_required
def delete(group_id: int):
    group = db.get_or_404(Group, group_id)
    user_service.delete_group(group)
    flash(f"Deleted group {group.name}.", "success")
    return redirect(url_for("groups.index"), code=303)
