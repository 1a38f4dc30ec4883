"""Settings → Sites: the websites that run the snippet, their keys and allowed origins."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from liveapp.access import admin_required
from liveapp.errors import ValidationFailed
from liveapp.extensions import db
from liveapp.models import Site
from liveapp.services.settings import sites as site_service

bp = Blueprint("sites", __name__, url_prefix="/settings/sites")


class SiteForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    allowed_origins = TextAreaField(
        "Allowed origins", validators=[Length(max=5000)],
        description="One per line, like https://www.example.com (scheme, host and port only).",
    )


def _save(form: SiteForm, site: Site | None) -> Site | None:
    """Validate and save; puts the service's errors on the form and returns None."""
    try:
        origins = site_service.parse_origins(form.allowed_origins.data or "")
        return site_service.save_site(site, name=form.name.data, allowed_origins=origins)
    except ValidationFailed as failed:
        for name, message in failed.errors.items():
            getattr(form, name).errors = [*getattr(form, name).errors, message]
        return None


@bp.get("/")
@admin_required
def index():
    sites = db.session.scalars(select(Site).order_by(Site.name)).all()
    return render_template("sites/index.html", sites=sites)


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def create():
    form = SiteForm()
    if form.validate_on_submit() and (site := _save(form, None)) is not None:
        flash(f"Site {site.name} created. Paste its snippet into your pages.", "success")
        return redirect(url_for("sites.edit", site_id=site.id), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template("sites/form.html", form=form, site=None), status


@bp.route("/<int:site_id>", methods=["GET", "POST"])
@admin_required
def edit(site_id: int):
    site = db.get_or_404(Site, site_id)
    # The origins as the text the form edits, also for a field a POST left out.
    form = SiteForm(data={"name": site.name,
                          "allowed_origins": "\n".join(site.allowed_origins or [])})
    if form.validate_on_submit() and _save(form, site) is not None:
        flash(f"Saved {site.name}.", "success")
        return redirect(url_for("sites.index"), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template("sites/form.html", form=form, site=site), status
