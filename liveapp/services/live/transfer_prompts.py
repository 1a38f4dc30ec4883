"""Chat transfers on the boards: the receivers' accept prompts, taken off when answered,
and what the sender is told (a notice on their prompts area, the chat panel's transfer
line). Prompts go in the same place and with the same alerts as inbound accept prompts
(`prompts.notify`; alerts.js sounds and notifies for anything with `data-alert`)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import select

from liveapp.domain.routing.eligibility import ineligibility
from liveapp.extensions import db
from liveapp.infra import realtime
from liveapp.models import Conversation, Group, User, Visitor
from liveapp.services.chat import transfer_store
from liveapp.services.chat.transfer_store import Transfer
from liveapp.services.live import prompts
from liveapp.services.live.boards import detail_event
from liveapp.services.live.rendering import render_template_anywhere
from liveapp.services.routing import reps


@dataclass(frozen=True)
class TransferPrompt:
    """What a receiver's accept prompt shows."""

    transfer: Transfer
    visitor_name: str
    company: str | None


@dataclass(frozen=True)
class Target:
    """A rep or a group a chat may be handed to, as the transfer form lists it."""

    value: str  # "rep:<id>" or "group:<id>"
    label: str
    able: bool


def prompt_for(transfer: Transfer) -> TransferPrompt:
    visitor = db.session.get(Visitor, transfer.visitor_id)
    name = visitor.display_name if visitor is not None else "A visitor"
    return TransferPrompt(transfer, name, visitor.company_name if visitor is not None else None)


def render(prompt: TransferPrompt) -> str:
    """The prompt as pushed over SSE (no CSRF field: htmx sends the viewer's own)."""
    return render_template_anywhere("conversations/_transfer_prompt.html", prompt=prompt,
                                    pushed=True)


def prompts_for(rep_id: int) -> list[TransferPrompt]:
    """The transfer prompts this rep's board shows on load."""
    return [prompt_for(transfer) for transfer in transfer_store.pending_for(rep_id)]


def offer(transfer: Transfer) -> None:
    """Put the accept prompt on top of each receiver's prompts (it alerts there)."""
    html = render(prompt_for(transfer))
    for rep_id in transfer.offered_to:
        prompts.notify(rep_id, html)


def remove(transfer: Transfer, rep_id: int) -> None:
    """Take the prompt off this rep's boards."""
    realtime.send(realtime.rep_channel(rep_id), prompts.EVENT, render_template_anywhere(
        "conversations/_transfer_gone.html", transfer=transfer, taken_by=None))


def withdraw(transfer: Transfer, winner: User | None) -> None:
    """The transfer is over: its winner's prompt goes; the others see who took it."""
    for rep_id in transfer.offered_to:
        taken_by = winner.name if winner is not None and rep_id != winner.id else None
        realtime.send(realtime.rep_channel(rep_id), prompts.EVENT, render_template_anywhere(
            "conversations/_transfer_gone.html", transfer=transfer, taken_by=taken_by))


def tell_sender(transfer: Transfer, text: str) -> None:
    """Say how the transfer ended on the sender's boards (a notice that alerts) and in
    their chat panel's transfer line (which offers to transfer again)."""
    conversation = db.session.get(Conversation, transfer.conversation_id)
    if conversation is None or conversation.status != "open":
        return  # closed meanwhile: nothing to come back to
    prompts.notify(transfer.from_rep, render_template_anywhere(
        "conversations/_transfer_notice.html", transfer=transfer, text=text))
    if conversation.rep_id != transfer.from_rep:
        return  # handed over: the chat area is re-rendered whole (chat_panel)
    realtime.send(realtime.rep_channel(transfer.from_rep), detail_event(transfer.visitor_id),
                  render_template_anywhere("conversations/_transfer.html", pushed=True,
                                           conversation=conversation, transfer=None,
                                           said=text, oob=True))


def targets(conversation: Conversation, now: float | None = None) -> list[Target]:
    """The reps (but its own) and groups a chat may be handed to, each saying whether
    they can take it now ("Bob: available", "Cy: away")."""
    now = time.time() if now is None else now
    states = {rep.id: rep for rep in reps.routing_reps(now)}
    found = []
    users = db.session.scalars(select(User).where(
        User.active.is_(True), User.is_chat_user.is_(True),
        User.id != conversation.rep_id).order_by(User.name))
    for user in users:
        skip = ineligibility(states[user.id]) if user.id in states else None
        words = "available" if skip is None else skip.text.removeprefix("is ")
        found.append(Target(f"rep:{user.id}", f"{user.name} ({words})", skip is None))
    for group in db.session.scalars(select(Group).order_by(Group.name)):
        able = sum(1 for m in group.members if m.id != conversation.rep_id and m.id in states
                   and ineligibility(states[m.id]) is None)
        turns = ", one at a time" if group.distribution == "round_robin" else ""
        found.append(Target(f"group:{group.id}", f"{group.name} ({able} available{turns})",
                            able > 0))
    return found
