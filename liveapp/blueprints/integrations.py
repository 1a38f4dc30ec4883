"""Settings → Integrations: CRM credentials, connection tests and user mapping."""

from __future__ import annotations

from functools import cache

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField

from liveapp.access import admin_required
from liveapp.errors import ValidationFailed
from liveapp.extensions import db
from liveapp.models import CRMS, User
from liveapp.services.crm import crm_settings

bp = Blueprint("integrations", __name__, url_prefix="/settings/integrations")


@cache
def form_class(name: str) -> type[FlaskForm]:
    """A form with the CRM's settings; secrets are password fields, never filled in."""
    fields = {"enabled": BooleanField("Enabled")}
    for field in crm_settings.FIELDS[name]:
        kind = PasswordField if field.secret else StringField
        fields[field.key] = kind(field.label, description=field.hint)
    return type(f"{name.title()}Form", (FlaskForm,), fields)


def make_form(name: str, submitted: bool = False) -> FlaskForm:
    form_type = form_class(name)
    if submitted:
        return form_type(prefix=name)
    row = crm_settings.get(name)
    return form_type(prefix=name, formdata=None,
                     data={"enabled": bool(row and row.enabled), **(row.settings if row else {})})


def crm_name(name: str) -> str:
    if name not in CRMS:
        abort(404)
    return name


def _page(forms: dict[str, FlaskForm], status: int = 200):
    rows = crm_settings.all_rows()
    masked = {name: crm_settings.masked_secrets(rows[name]) for name in CRMS}
    users = db.session.scalars(db.select(User).where(User.active.is_(True))
                               .order_by(User.name)).all()
    from_env = {name: {key: crm_settings.env_var(name, key)
                       for key in crm_settings.from_environment(name)}
                for name in CRMS}
    return render_template("integrations/index.html", forms=forms, rows=rows, masked=masked,
                           from_env=from_env, fields=crm_settings.FIELDS,
                           labels=crm_settings.LABELS, users=users), status


@bp.get("/")
@admin_required
def index():
    return _page({name: make_form(name) for name in CRMS})


@bp.post("/<name>")
@admin_required
def save(name: str):
    name = crm_name(name)
    form = make_form(name, submitted=True)
    if form.validate_on_submit():
        values = {f.key: getattr(form, f.key).data for f in crm_settings.FIELDS[name]}
        try:
            crm_settings.save(name, enabled=form.enabled.data, values=values)
        except ValidationFailed as failed:
            for key, message in failed.errors.items():
                getattr(form, key).errors = [*getattr(form, key).errors, message]
        else:
            flash(f"Saved the {crm_settings.LABELS[name]} settings.", "success")
            return redirect(url_for("integrations.index") + f"#{name}", code=303)
    forms = {n: form if n == name else make_form(n) for n in CRMS}
    return _page(forms, 422)


@bp.post("/<name>/test")
@admin_required
def test(name: str):
    name = crm_name(name)
    try:
        row = crm_settings.test_connection(name)
    except ValidationFailed as failed:
        return render_template("integrations/_test_result.html", name=name, row=None,
                               message=failed.errors["enabled"]), 422
    if not request.headers.get("HX-Request"):
        flash(f"{crm_settings.LABELS[name]}: {row.last_test_message}",
              "success" if row.last_test_ok else "error")
        return redirect(url_for("integrations.index") + f"#{name}", code=303)
    return render_template("integrations/_test_result.html", name=name, row=row)


@bp.get("/<name>/users")
@admin_required
def users(name: str):
    name = crm_name(name)
    return render_template("integrations/_users.html", name=name, label=crm_settings.LABELS[name],
                           mapping=crm_settings.user_mapping(name))
