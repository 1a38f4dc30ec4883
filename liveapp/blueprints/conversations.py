"""Conversations for reps: claim (pounce or accept), write, close; transcripts."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from liveapp.access import conversation_for, may_see, visitor_visible
from liveapp.domain import transcript_search as search_rules
from liveapp.errors import ConversationRefused, RateLimited
from liveapp.extensions import db
from liveapp.models import Visitor
from liveapp.services.chat import conversations, offline_messages, read_state, transcript_search
from liveapp.services.live import chat_panel
from liveapp.services.live import typing as live_typing

bp = Blueprint("conversations", __name__, url_prefix="/conversations")


def _htmx() -> bool:
    return bool(request.headers.get("HX-Request"))


def _from_detail(visitor_id: str) -> bool:
    """An htmx request from the visitor detail's chat area, which swaps the whole area."""
    return _htmx() and request.headers.get("HX-Target") == f"chat-{visitor_id}"


def _chat_area(visitor_id: str, status: int, **kwargs):
    area = chat_panel.area_for(current_user, visitor_id, **kwargs)
    return render_template("board/_chat.html", chat=area), status


@bp.post("/claim/<visitor_id>")
@visitor_visible
def claim(visitor_id: str):
    """Start a chat with a visitor (pounce) or accept an inbound request."""
    origin = request.form.get("origin", "pounce")
    if origin not in ("pounce", "inbound"):
        abort(400)
    try:
        conversation = conversations.claim(visitor_id, current_user, origin)
    except ConversationRefused as refused:
        if _from_detail(visitor_id):
            return _chat_area(visitor_id, 409, refused=str(refused))
        if _htmx():
            return render_template("conversations/_refused.html", message=str(refused)), 409
        flash(str(refused), "error")
        return redirect(url_for("board.index"), code=303)
    if _from_detail(visitor_id):
        return _chat_area(visitor_id, 201)
    if _htmx():
        return render_template("conversations/_started.html", conversation=conversation), 201
    return redirect(url_for("conversations.show", conversation_id=conversation.id), code=303)


@bp.post("/<int:conversation_id>/messages")
@login_required
def post_message(conversation_id: int):
    conversation = conversation_for(current_user, conversation_id, writing=True)
    try:
        message = conversations.post(conversation, "rep", request.form.get("body"),
                                     rep=current_user)
    except ConversationRefused as refused:
        if _htmx():  # the form again, with what was typed and why it was refused
            return render_template("board/_chat_form.html", conversation=conversation,
                                   body=request.form.get("body"), error=str(refused),
                                   focus=True), 422
        return render_template("conversations/_refused.html", message=str(refused)), 422
    if _htmx():  # a cleared form, and the message appended to the panel
        form = render_template("board/_chat_form.html", conversation=conversation, focus=True)
        return form + chat_panel.render_message(message), 201
    return redirect(url_for("conversations.show", conversation_id=conversation.id), code=303)


@bp.post("/<int:conversation_id>/typing")
@login_required
def typing(conversation_id: int):
    """The owner is typing in the chat panel, or stopped (form `state`): the visitor's
    widget shows "Ann is typing…". Sent by static/chat.js, throttled there."""
    conversation = conversation_for(current_user, conversation_id, writing=True)
    try:
        live_typing.from_rep(conversation, request.form.get("state"))
    except live_typing.BadSignal as bad:
        return {"error": str(bad)}, 400
    except ConversationRefused as refused:
        return {"error": str(refused)}, 409
    except RateLimited:
        return {"error": "Too many typing signals; slow down."}, 429
    return "", 204


@bp.post("/<int:conversation_id>/read")
@login_required
def read(conversation_id: int):
    """The owner has read the panel up to the message `message_id` (form): the card's
    unread count goes, the widget shows "Seen". Sent by static/chat.js while visible."""
    conversation = conversation_for(current_user, conversation_id, writing=True)
    try:
        read_state.mark_read(conversation, "rep", request.form.get("message_id"))
    except read_state.BadRead as bad:
        return {"error": str(bad)}, 400
    except ConversationRefused as refused:
        return {"error": str(refused)}, 409
    return "", 204


@bp.post("/<int:conversation_id>/close")
@login_required
def close(conversation_id: int):
    conversation = conversation_for(current_user, conversation_id)
    conversations.close(conversation)
    if _htmx():
        return _chat_area(conversation.visitor_id, 200, closed=conversation)
    flash("Conversation closed.", "success")
    return redirect(url_for("conversations.show", conversation_id=conversation.id), code=303)


@bp.get("/")
@login_required
def index():
    """Transcripts, searched: a rep's own, an admin's all; bad filters answer 400 with the
    reason and no results."""
    error, results, filters = None, None, search_rules.Filters()
    try:
        filters = search_rules.parse(request.args)
    except search_rules.BadFilter as bad:
        error = str(bad)
    else:
        results = transcript_search.search(current_user, filters)
    return render_template("conversations/index.html", error=error, results=results,
                           filters=filters, form=request.args,
                           reps=transcript_search.reps_for(current_user),
                           offline=offline_messages.for_user(current_user),
                           visitor_label=conversations.visitor_label), 400 if error else 200


@bp.get("/<int:conversation_id>")
@login_required
def show(conversation_id: int):
    """A transcript; an open conversation's is live on the visitor detail, so go there."""
    conversation = conversation_for(current_user, conversation_id)
    if conversation.status == "open" and may_see(current_user, conversation.visitor_id):
        return redirect(url_for("board.visitor", visitor_id=conversation.visitor_id), code=303)
    visitor = db.session.get(Visitor, conversation.visitor_id)
    return render_template("conversations/show.html", conversation=conversation,
                           visitor_label=conversations.visitor_label(visitor))
