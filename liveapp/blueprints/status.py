"""Settings → Status: the live figures of /metrics (liveapp.figures) for admins who would
rather look than scrape; the page polls its figures fragment every few seconds."""

from __future__ import annotations

from flask import Blueprint, render_template

from liveapp import figures
from liveapp.access import admin_required

bp = Blueprint("status", __name__, url_prefix="/settings/status")

REFRESH_SECONDS = 3


@bp.get("/")
@admin_required
def index():
    return render_template("status/index.html", status=figures.status(),
                           refresh=REFRESH_SECONDS)


@bp.get("/figures")
@admin_required
def figures_fragment():
    """The figures alone, for the page's polling (a GET: nothing changes)."""
    return render_template("status/_figures.html", status=figures.status(),
                           refresh=REFRESH_SECONDS)
