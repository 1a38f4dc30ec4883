"""Settings → Canned replies: the team's replies, which every rep can insert in a chat
with `/shortcut`. Admins only; reps keep their own in blueprints/my_replies.py, which
shares this form and these pages."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField

from liveapp.access import admin_required
from liveapp.domain.canned_replies import BODY_MAX, FALLBACKS, SHORTCUT_MAX
from liveapp.errors import ValidationFailed
from liveapp.models import CannedReply, User
from liveapp.services.chat import canned_replies

bp = Blueprint("canned_replies", __name__, url_prefix="/settings/canned-replies")


class CannedReplyForm(FlaskForm):
    # The service validates (one place for the rules); the form only carries the fields.
    shortcut = StringField("Shortcut", render_kw={"maxlength": SHORTCUT_MAX,
                                                  "autocomplete": "off", "spellcheck": "false"})
    body = TextAreaField("Reply", render_kw={"maxlength": BODY_MAX, "rows": 5})


@dataclass(frozen=True)
class Scope:
    """Whose replies a page manages: the team's (owner None) or one user's own."""

    blueprint: str
    title: str
    owner: User | None


def list_page(scope: Scope, replies: list[CannedReply], team: list[CannedReply] = ()):
    """The scope's replies to manage; `team`: the team's, shown read-only beside a rep's."""
    return render_template("canned_replies/index.html", scope=scope, replies=replies,
                           team=team)


def edit_page(scope: Scope, reply_id: int | None):
    """The new/edit form: 303 to the list once saved, 422 with the errors otherwise."""
    reply = None
    if reply_id is not None:
        reply = canned_replies.get(reply_id, scope.owner)
        if reply is None:
            abort(404)
    form = CannedReplyForm(obj=reply)
    if form.validate_on_submit():
        try:
            saved = canned_replies.save(reply, owner=scope.owner, shortcut=form.shortcut.data,
                                        body=form.body.data)
        except ValidationFailed as failed:
            for name, message in failed.errors.items():
                getattr(form, name).errors = [message]
        else:
            flash(f"Saved /{saved.shortcut}.", "success")
            return redirect(url_for(f"{scope.blueprint}.index"), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template("canned_replies/form.html", scope=scope, form=form, reply=reply,
                           placeholders=FALLBACKS), status


def delete_reply(scope: Scope, reply_id: int):
    reply = canned_replies.get(reply_id, scope.owner)
    if reply is None:
        abort(404)
    canned_replies.delete(reply)
    flash(f"Deleted /{reply.shortcut}.", "success")
    return redirect(url_for(f"{scope.blueprint}.index"), code=303)


TEAM = Scope("canned_replies", "Canned replies", None)


@bp.get("/")
@admin_required
def index():
    return list_page(TEAM, canned_replies.team_replies())


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def new():
    return edit_page(TEAM, None)


@bp.route("/<int:reply_id>", methods=["GET", "POST"])
@admin_required
def edit(reply_id: int):
    return edit_page(TEAM, reply_id)


@bp.post("/<int:reply_id>/delete")
@admin_required
def delete(reply_id: int):
    return delete_reply(TEAM, reply_id)
