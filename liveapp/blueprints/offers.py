"""Inbound chat accept prompts: a rep's current prompts, and declining one.

Accepting is claiming (`POST /conversations/claim/<vid>` with origin "inbound").
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from liveapp.access import visitor_visible
from liveapp.services.live import prompts, transfer_prompts
from liveapp.services.routing import declines

bp = Blueprint("offers", __name__, url_prefix="/offers")


@bp.get("/")
@login_required
def index():
    """The rep's accept prompts alone: what a board re-fetches after a reconnect."""
    return render_template("offers/_list.html",
                           prompts=prompts.prompts_for(current_user.id),
                           transfer_prompts=transfer_prompts.prompts_for(current_user.id))


@bp.post("/<visitor_id>/decline")
@visitor_visible
def decline(visitor_id: str):
    """Decline a visitor offered to this rep: 404 for a visitor they may not see, 403
    when it is not offered to them; the next rep is offered at once."""
    if not declines.decline(visitor_id, current_user.id):
        abort(403)
    # Routing may be busy with this visitor (it routes again when done): take the
    # prompt off this rep's boards now all the same.
    prompts.refresh(visitor_id)
    if request.headers.get("HX-Request"):
        return ""  # the prompt swaps itself out
    return redirect(url_for("board.index"), code=303)
