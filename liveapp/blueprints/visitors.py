"""Settings → Visitors: who is on the site now, and each visitor's page-view history."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from liveapp.access import admin_required
from liveapp.extensions import db
from liveapp.models import Visitor
from liveapp.services import assignments, routing
from liveapp.services import presence as hot
from liveapp.services import visitors as visitor_service

bp = Blueprint("visitors", __name__, url_prefix="/settings/visitors")


def get_visitor(visitor_id: str) -> Visitor:
    visitor = db.session.get(Visitor, visitor_id)
    if visitor is None:
        abort(404)
    return visitor


@bp.get("/")
@admin_required
def index():
    live, recent = visitor_service.live_and_recent()
    return render_template("visitors/index.html", live=live, recent=recent)


@bp.get("/<visitor_id>")
@admin_required
def detail(visitor_id: str):
    visitor = get_visitor(visitor_id)
    sessions, views = visitor_service.history(visitor.id)
    row = visitor_service.VisitorRow(visitor, hot.load(visitor.id), assignments.get(visitor.id))
    return render_template("visitors/detail.html", row=row, sessions=sessions, views=views,
                           decisions=routing.history(visitor.id))
