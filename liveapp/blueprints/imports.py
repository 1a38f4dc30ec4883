"""Settings → Imports: ABM target accounts and marketing-automation data from CSV."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from liveapp.access import admin_required
from liveapp.services.crm import data_imports

bp = Blueprint("imports", __name__, url_prefix="/settings/imports")

KINDS = {
    "abm": ("ABM target accounts", data_imports.import_abm),
    "marketing": ("Marketing automation data", data_imports.import_marketing),
}


class UploadForm(FlaskForm):
    file = FileField("CSV file", validators=[FileRequired("Choose a CSV file to import.")])


@bp.get("/")
@admin_required
def index():
    return render_template("imports/index.html", forms={k: UploadForm(prefix=k) for k in KINDS},
                           kinds=KINDS, counts=data_imports.counts(), results={})


@bp.post("/<kind>")
@admin_required
def upload(kind: str):
    if kind not in KINDS:
        abort(404)
    forms = {k: UploadForm(prefix=k) for k in KINDS}
    form = forms[kind]
    results = {}
    if form.validate_on_submit():
        label, run = KINDS[kind]
        result = run(form.file.data.read())
        if result.ok:
            flash(f"{label}: {result.created} added, {result.updated} updated.", "success")
            return redirect(url_for("imports.index"), code=303)
        results[kind] = result
    return render_template("imports/index.html", forms=forms, kinds=KINDS,
                           counts=data_imports.counts(), results=results), 422
