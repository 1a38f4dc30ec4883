"""Sign in, sign out, and a user's own availability."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Email, Length

from liveapp.extensions import db
from liveapp.models import AVAILABILITY, User
from liveapp.services import ratelimit, routing
from liveapp.web import client_ip

bp = Blueprint("auth", __name__, url_prefix="/auth")


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    remember = BooleanField("Keep me signed in")


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed after login."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and "\\" not in target:
            return target
    return url_for("board.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("board.index"))
    form = LoginForm()
    if request.method == "POST":
        limit = current_app.config["LOGIN_RATE_LIMIT"]
        window = current_app.config["LOGIN_RATE_WINDOW"]
        if not ratelimit.allow("login", client_ip(), limit, window):
            form.email.errors = []
            flash("Too many sign-in attempts. Wait a few minutes and try again.", "error")
            return render_template("auth/login.html", form=form), 429
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session.scalar(select(User).where(func.lower(User.email) == email))
        if user and user.active and user.check_password(form.password.data):
            login_user(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")), code=303)
        flash("Wrong email or password.", "error")
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"), code=303)


@bp.post("/availability")
@login_required
def availability():
    """A user sets their own availability from the header (form or htmx)."""
    value = request.form.get("availability", "")
    if value not in AVAILABILITY:
        abort(400)
    was = current_user.availability
    current_user.availability = value
    db.session.commit()
    if value == "available" and was != "available":
        routing.rep_became_available(current_user.id)
    elif value != "available" and was == "available":
        routing.rep_went_away(current_user.id)
    if request.headers.get("HX-Request"):
        return render_template("components/_availability.html")
    return redirect(_safe_next(request.form.get("next")), code=303)
