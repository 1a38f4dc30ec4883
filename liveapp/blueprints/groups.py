"""Settings → Groups: named sets of reps that routing rules can target."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length

from liveapp.access import admin_required
from liveapp.errors import ValidationFailed
from liveapp.extensions import db
from liveapp.models import Group, User
from liveapp.models.user import GROUP_DISTRIBUTIONS
from liveapp.services.settings import users as user_service

bp = Blueprint("groups", __name__, url_prefix="/settings/groups")


class GroupForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=80)])
    members = SelectMultipleField("Members", coerce=int)
    distribution = SelectField("Chats transferred to this group go to",
                               choices=list(GROUP_DISTRIBUTIONS.items()),
                               default="first_available")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        users = db.session.scalars(select(User).where(User.active).order_by(User.name))
        self.members.choices = [(u.id, f"{u.name} <{u.email}>") for u in users]


@bp.get("/")
@admin_required
def index():
    groups = db.session.scalars(select(Group).order_by(Group.name)).all()
    return render_template("groups/index.html", groups=groups)


@bp.route("/new", methods=["GET", "POST"], defaults={"group_id": None})
@bp.route("/<int:group_id>", methods=["GET", "POST"])
@admin_required
def edit(group_id: int | None):
    group = db.get_or_404(Group, group_id) if group_id is not None else None
    form = GroupForm(obj=group)
    if group is not None and not form.is_submitted():
        form.members.data = [u.id for u in group.members]
    if form.validate_on_submit():
        members = [db.session.get(User, uid) for uid in form.members.data or []]
        try:
            saved = user_service.save_group(
                group, name=form.name.data, members=[m for m in members if m],
                distribution=form.distribution.data,
            )
        except ValidationFailed as failed:
            for name, error in failed.errors.items():
                form[name].errors = [error]
        else:
            flash(f"Saved group {saved.name}.", "success")
            return redirect(url_for("groups.index"), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template("groups/form.html", form=form, group=group), status


@bp.post("/<int:group_id>/delete")
@admin_required
def delete(group_id: int):
    group = db.get_or_404(Group, group_id)
    user_service.delete_group(group)
    flash(f"Deleted group {group.name}.", "success")
    return redirect(url_for("groups.index"), code=303)
