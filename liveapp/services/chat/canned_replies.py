"""Canned replies: saving the team's and a rep's own, and the ones a rep may insert in a
chat, filled in for its visitor (the rules are liveapp.domain.canned_replies)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from liveapp.domain import canned_replies as rules
from liveapp.errors import ValidationFailed
from liveapp.extensions import db
from liveapp.models import CannedReply, User, Visitor

TAKEN = "Another reply already uses /{}."


@dataclass(frozen=True)
class Filled:
    """A reply as the chat box offers it: its shortcut, scope and text for this visitor."""

    id: int
    shortcut: str
    team: bool
    text: str


def team_replies() -> list[CannedReply]:
    return list(db.session.scalars(
        select(CannedReply).where(CannedReply.owner_id.is_(None))
        .order_by(CannedReply.shortcut)))


def own_replies(user: User) -> list[CannedReply]:
    return list(db.session.scalars(
        select(CannedReply).where(CannedReply.owner_id == user.id)
        .order_by(CannedReply.shortcut)))


def get(reply_id: int, owner: User | None) -> CannedReply | None:
    """The team's reply (owner None) or the owner's own; None for anyone else's."""
    reply = db.session.get(CannedReply, reply_id)
    owner_id = owner.id if owner is not None else None
    return reply if reply is not None and reply.owner_id == owner_id else None


def _taken(shortcut: str, owner_id: int | None, reply: CannedReply | None) -> bool:
    scope = (CannedReply.owner_id.is_(None) if owner_id is None
             else CannedReply.owner_id == owner_id)
    clash = db.session.scalar(select(CannedReply).where(
        scope, CannedReply.shortcut == shortcut).limit(1))
    return clash is not None and clash is not reply


def save(reply: CannedReply | None, *, owner: User | None, shortcut: str,
         body: str) -> CannedReply:
    """Create or change a team reply (owner None) or a rep's own; raises ValidationFailed
    (nothing written) for a bad or taken shortcut or a bad body."""
    shortcut = (shortcut or "").strip().lstrip("/").lower()
    body = (body or "").strip()
    owner_id = owner.id if owner is not None else None
    errors = {k: v for k, v in (("shortcut", rules.shortcut_error(shortcut)),
                                ("body", rules.body_error(body))) if v}
    if "shortcut" not in errors and _taken(shortcut, owner_id, reply):
        errors["shortcut"] = TAKEN.format(shortcut)
    if errors:
        raise ValidationFailed(errors)
    if reply is None:
        reply = CannedReply(owner_id=owner_id)
        db.session.add(reply)
    reply.shortcut, reply.body = shortcut, body
    try:
        db.session.commit()
    except IntegrityError:  # the same shortcut saved at the same moment elsewhere
        db.session.rollback()
        raise ValidationFailed({"shortcut": TAKEN.format(shortcut)}) from None
    return reply


def delete(reply: CannedReply) -> None:
    db.session.delete(reply)
    db.session.commit()


def facts_of(visitor: Visitor | None) -> rules.VisitorFacts:
    """What the placeholders may say about this visitor (their name, else what they told
    the site; their company, enriched or told)."""
    if visitor is None:
        return rules.VisitorFacts()
    traits = visitor.traits or {}
    name = visitor.name or traits.get("first_name") or traits.get("name")
    company = visitor.company_name or traits.get("company")
    return rules.VisitorFacts(first_name=rules.first_name(str(name) if name else None),
                              company=str(company) if company else None)


def filled_for(user: User, visitor: Visitor | None) -> list[Filled]:
    """The replies the user may insert (their own first, then the team's), each filled
    in for the visitor."""
    facts = facts_of(visitor)
    replies = db.session.scalars(
        select(CannedReply)
        .where(or_(CannedReply.owner_id.is_(None), CannedReply.owner_id == user.id))
        .order_by(CannedReply.owner_id.is_(None), CannedReply.shortcut))
    return [Filled(r.id, r.shortcut, r.is_team, rules.fill(r.body, facts)) for r in replies]
