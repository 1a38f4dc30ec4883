"""Sign in, sign out, and a user's own availability."""

from __future__ import annotations

import functools
import hashlib
import secrets
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Email, Length

from liveapp.extensions import db
from liveapp.infra import ratelimit
from liveapp.models import AVAILABILITY, User
from liveapp.services.routing import declines, waiting_queue
from liveapp.services.settings import users
from liveapp.web import client_ip

bp = Blueprint("auth", __name__, url_prefix="/auth")

TOO_MANY = "Too many sign-in attempts. Wait a few minutes and try again."


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    remember = BooleanField("Keep me signed in")


def safe_next(target: str | None) -> str:
    """`target` when it is a path on this site, else the board: only a relative path
    starting with a single "/" (browsers read "//host" and "/\\host" as other sites),
    checked after normalising backslashes and surrounding whitespace as browsers do."""
    if target:
        path = target.strip().replace("\\", "/")
        parts = urlsplit(path)
        if (path.startswith("/") and not path.startswith("//") and not parts.scheme
                and not parts.netloc and not any(ord(c) < 32 for c in path)):
            return path
    return url_for("board.index")


@functools.cache
def _dummy_hash() -> str:
    """A hash made the way real ones are, for unknown emails to be checked against."""
    return generate_password_hash(secrets.token_hex(16))


def _authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, in the same time for an unknown
    email, a deactivated user or a wrong password (no account enumeration by timing)."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    return user if user.check_password(password) and user.active else None


def _too_many(name: str, subject: str, limit_key: str) -> bool:
    config = current_app.config
    return not ratelimit.allow(name, subject, config[limit_key], config["LOGIN_RATE_WINDOW"])


def _account_key(email: str) -> str:
    return hashlib.sha256(email.encode()).hexdigest()


def _refused(form: LoginForm, message: str, status: int):
    form.email.errors = []
    flash(message, "error")
    return render_template("auth/login.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("board.index"))
    form = LoginForm()
    if request.method == "POST" and _too_many("login", client_ip(), "LOGIN_RATE_LIMIT"):
        return _refused(form, TOO_MANY, 429)
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        # Counted for every email, known or not, with the same answer: the limit must not
        # tell which accounts exist.
        if _too_many("login-account", _account_key(email), "LOGIN_ACCOUNT_RATE_LIMIT"):
            return _refused(form, TOO_MANY, 429)
        user = _authenticate(email, form.password.data)
        if user is not None:
            ratelimit.reset("login-account", _account_key(email))
            session.pop("csrf_token", None)  # a new CSRF token for the signed-in session
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")), code=303)
        flash("Wrong email or password.", "error")
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    """Sign out here and everywhere: every session and remember cookie of the user ends."""
    users.sign_out_everywhere(current_user)
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
        waiting_queue.rep_became_available(current_user.id)
    elif value != "available" and was == "available":
        declines.rep_went_away(current_user.id)
    if request.headers.get("HX-Request"):
        return render_template("components/_availability.html")
    return redirect(safe_next(request.form.get("next")), code=303)
