"""Settings → Visitors: who is on the site now, each visitor's page-view history, and
erasing a visitor, or every visitor with an email (GDPR)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, StringField
from wtforms.validators import Email, Length, Optional, ValidationError

from liveapp.access import admin_required
from liveapp.errors import NothingToErase
from liveapp.extensions import db
from liveapp.models import Visitor
from liveapp.services.ops import erasure
from liveapp.services.routing import assignments, router
from liveapp.services.tracking import hot_state
from liveapp.services.tracking import visitors as visitor_service

bp = Blueprint("visitors", __name__, url_prefix="/settings/visitors")


@bp.get("/")
@admin_required
def index():
    live, recent = visitor_service.live_and_recent()
    return render_template("visitors/index.html", live=live, recent=recent)


@bp.get("/<visitor_id>")
@admin_required
def detail(visitor_id: str):
    visitor = db.get_or_404(Visitor, visitor_id)
    sessions, views = visitor_service.history(visitor.id)
    row = visitor_service.VisitorRow(visitor, hot_state.load(visitor.id),
                                     assignments.get(visitor.id))
    return render_template("visitors/detail.html", row=row, sessions=sessions, views=views,
                           decisions=router.history(visitor.id))


class EraseForm(FlaskForm):
    """One visitor (their internal id) or an email, and the admin's confirmation."""

    visitor_id = StringField("Visitor id", validators=[Optional(), Length(max=36)])
    email = EmailField("Email", validators=[Optional(), Email(), Length(max=254)])
    confirm = BooleanField("I understand: everything about them is deleted, for good")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if bool(self.visitor_id.data) == bool(self.email.data):
            self.visitor_id.errors = [*self.visitor_id.errors,
                                      "Give a visitor id or an email (one of them)."]
            return False
        if not self.confirm.data:
            self.confirm.errors = [*self.confirm.errors, "Tick the box to confirm."]
            return False
        return valid

    def validate_visitor_id(self, field: StringField) -> None:
        if field.data and db.session.get(Visitor, field.data.strip()) is None:
            raise ValidationError("No visitor has this id.")

    def validate_email(self, field: EmailField) -> None:
        if field.data and not erasure.visitors_with_email(field.data):
            raise ValidationError("No visitor has this email.")


@bp.route("/erase", methods=["GET", "POST"])
@admin_required
def erase():
    form = EraseForm(visitor_id=request.args.get("visitor_id", ""))
    if not form.validate_on_submit():
        return render_template("visitors/erase.html", form=form), (
            400 if request.method == "POST" else 200)
    by = f"user {current_user.id}"
    try:
        counts = (erasure.erase_email(form.email.data, by=by) if form.email.data
                  else erasure.erase_visitor(form.visitor_id.data.strip(), by=by))
    except NothingToErase as nothing:  # gone between the check and now
        form.visitor_id.errors = [str(nothing)]
        return render_template("visitors/erase.html", form=form), 400
    flash(f"Erased {counts['visitors']} visitor(s) and everything about them.", "success")
    return redirect(url_for("visitors.index"), 303)
