"""Chat transfers: the sender's form, and the receiver's accept and decline."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from liveapp.access import conversation_for
from liveapp.errors import ConversationRefused, NotOffered
from liveapp.services.chat import transfers
from liveapp.services.live import transfer_prompts

bp = Blueprint("transfers", __name__, url_prefix="/transfers")


def _form(conversation, status: int = 200, error: str | None = None):
    return render_template("conversations/_transfer_form.html", conversation=conversation,
                           targets=transfer_prompts.targets(conversation), error=error,
                           chosen=request.form.get("to", ""),
                           note=request.form.get("note", "")), status


@bp.get("/<int:conversation_id>")
@login_required
def form(conversation_id: int):
    """The transfer form of a chat: its rep's or an admin's (404 for anyone else)."""
    return _form(conversation_for(current_user, conversation_id))


@bp.post("/<int:conversation_id>")
@login_required
def start(conversation_id: int):
    """Offer the chat to a rep or a group; 422 with the form and why when refused."""
    conversation = conversation_for(current_user, conversation_id)
    try:
        transfer = transfers.start(conversation, request.form.get("to"),
                                   request.form.get("note"))
    except ConversationRefused as refused:
        return _form(conversation, 422, str(refused))
    if request.headers.get("HX-Request"):
        return render_template("conversations/_transfer.html", conversation=conversation,
                               transfer=transfer), 201
    flash(f"Transfer offered to {transfer.to_name}.", "success")
    return redirect(url_for("board.visitor", visitor_id=conversation.visitor_id), code=303)


@bp.post("/<int:conversation_id>/accept")
@login_required
def accept(conversation_id: int):
    """Take a chat handed to this rep: 201, 403 when it is not (any more) offered to them,
    409 when another rep took it first or they are at their chat limit."""
    try:
        conversation = transfers.accept(conversation_id, current_user)
    except NotOffered:
        abort(403)
    except ConversationRefused as refused:
        return render_template("conversations/_refused.html", message=str(refused)), 409
    if request.headers.get("HX-Request"):
        return "", 201
    return redirect(url_for("board.visitor", visitor_id=conversation.visitor_id), code=303)


@bp.post("/<int:conversation_id>/decline")
@login_required
def decline(conversation_id: int):
    """Turn a transfer down, with a reason: 403 when it is not offered to this rep."""
    try:
        declined = transfers.decline(conversation_id, current_user, request.form.get("reason"))
    except ConversationRefused as refused:
        return render_template("conversations/_refused.html", message=str(refused)), 422
    if not declined:
        abort(403)
    if request.headers.get("HX-Request"):
        return ""  # the prompt swaps itself out
    return redirect(url_for("board.index"), code=303)
