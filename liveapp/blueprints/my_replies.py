"""A user's own canned replies (each rep manages only theirs), and the replies the chat
box offers for one conversation, filled in for its visitor."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from liveapp.access import conversation_for
from liveapp.blueprints.canned_replies import Scope, delete_reply, edit_page, list_page
from liveapp.extensions import db
from liveapp.models import Visitor
from liveapp.services.chat import canned_replies

bp = Blueprint("my_replies", __name__, url_prefix="/canned-replies")


def _mine() -> Scope:
    return Scope("my_replies", "My canned replies", current_user)


@bp.get("/")
@login_required
def index():
    return list_page(_mine(), canned_replies.own_replies(current_user),
                     team=canned_replies.team_replies())


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    return edit_page(_mine(), None)


@bp.route("/<int:reply_id>", methods=["GET", "POST"])
@login_required
def edit(reply_id: int):
    """One of the user's own replies; 404 for anyone else's, an admin's request too."""
    return edit_page(_mine(), reply_id)


@bp.post("/<int:reply_id>/delete")
@login_required
def delete(reply_id: int):
    return delete_reply(_mine(), reply_id)


@bp.get("/conversations/<int:conversation_id>")
@login_required
def for_conversation(conversation_id: int):
    """The chat box's list (a listbox fragment): only for the rep writing in the chat."""
    conversation = conversation_for(current_user, conversation_id, writing=True)
    visitor = db.session.get(Visitor, conversation.visitor_id)
    return render_template("canned_replies/_options.html", conversation=conversation,
                           replies=canned_replies.filled_for(current_user, visitor))
