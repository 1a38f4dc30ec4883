"""The live board: stream columns of visitor cards, a card fragment, the visitor detail."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from liveapp.access import visitor_visible
from liveapp.infra import realtime
from liveapp.services.chat import meetings
from liveapp.services.live import (
    board_view,
    boards,
    cards,
    chat_panel,
    prompts,
    transfer_prompts,
    viewers,
)
from liveapp.services.tracking import timeline

bp = Blueprint("board", __name__)


def _channels() -> list[str]:
    channels = [realtime.rep_channel(current_user.id)]
    if current_user.is_admin:
        channels.append(realtime.ADMIN_CHANNEL)
    return channels


@bp.get("/")
@login_required
def index():
    return render_template("board/index.html", board=board_view.board_for(current_user),
                           channels=_channels(),
                           prompts=prompts.prompts_for(current_user.id),
                           transfer_prompts=transfer_prompts.prompts_for(current_user.id))


@bp.get("/board/body")
@login_required
def body():
    """The columns alone: what a board re-fetches after a reconnect or settings change."""
    return render_template("board/_body.html", board=board_view.board_for(current_user))


@bp.get("/board/cards/<visitor_id>")
@visitor_visible
def card(visitor_id: str):
    return render_template("board/_card.html", card=cards.card_for(visitor_id))


@bp.get("/board/visitors/<visitor_id>")
@visitor_visible
def visitor(visitor_id: str):
    """The visitor detail: card, live timeline and chat, and the rep's accept prompts (a
    rep chatting here still sees new inbound requests). The page then marks its user as
    viewing, with a POST as soon as it loads and every 15 s."""
    return render_template(
        "board/visitor.html", card=cards.card_for(visitor_id),
        chat=chat_panel.area_for(current_user, visitor_id),
        meeting=meetings.upcoming_for_visitor(visitor_id),
        prompts=prompts.prompts_for(current_user.id),
        transfer_prompts=transfer_prompts.prompts_for(current_user.id),
        entries=timeline.entries(visitor_id),
        channel=realtime.rep_channel(current_user.id),
        event=boards.detail_event(visitor_id),
    )


@bp.get("/board/visitors/<visitor_id>/detail")
@visitor_visible
def detail(visitor_id: str):
    """The detail's card and timeline alone: re-fetched after a reconnect."""
    return render_template("board/_detail.html", card=cards.card_for(visitor_id),
                           entries=timeline.entries(visitor_id))


@bp.get("/board/visitors/<visitor_id>/chat")
@visitor_visible
def chat(visitor_id: str):
    """The detail's chat area alone: re-fetched after a reconnect."""
    return render_template("board/_chat.html", chat=chat_panel.area_for(current_user, visitor_id))


@bp.post("/board/visitors/<visitor_id>/viewing")
@visitor_visible
def viewing(visitor_id: str):
    """The open detail page's "viewing" marker: set on load, refreshed periodically."""
    if viewers.mark(visitor_id, current_user.id):
        boards.viewing_changed(visitor_id)
    return "", 204


@bp.post("/board/visitors/<visitor_id>/viewing/end")
@visitor_visible
def stop_viewing(visitor_id: str):
    """The detail page was closed (a beacon from pagehide)."""
    if viewers.unmark(visitor_id, current_user.id):
        boards.viewing_changed(visitor_id)
    return "", 204
