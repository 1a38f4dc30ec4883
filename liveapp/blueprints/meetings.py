"""Meetings visitors booked through the meeting booker: a rep's own, every rep's for admins."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from liveapp.services.chat import meetings

bp = Blueprint("meetings", __name__, url_prefix="/meetings")


@bp.app_template_filter("in_zone")
def in_zone(moment, tz_name: str, with_zone: bool = True) -> str:
    """A naive UTC time as "Wed 02 Dec 15:00 (Europe/Paris)" on that zone's wall clock
    (without the zone's name where the page already says it)."""
    local = f"{meetings.in_zone(moment, tz_name):%a %d %b %H:%M}"
    return f"{local} ({tz_name})" if with_zone else local


@bp.get("/")
@login_required
def index():
    return render_template("meetings/index.html", meetings=meetings.upcoming_for(current_user))
