"""Offline messages: what a visitor leaves, with their email, when nobody can chat (the
groups routed to are outside business hours, nobody is free). Each is for the reps the
visitor's routing named (the closed groups' members too) and for every admin; it shows in
Conversations and on the visitor's timeline."""

from __future__ import annotations

from sqlalchemy import exists, select

from liveapp.domain.events import normalise_email
from liveapp.errors import OfflineMessageRefused
from liveapp.extensions import db
from liveapp.models import OfflineMessage, User, Visitor, offline_message_reps
from liveapp.services.chat import conversations
from liveapp.services.routing import assignments

MAX_BODY = conversations.MAX_MESSAGE
LIST_LIMIT = 200


def _email(value: object) -> str:
    email = normalise_email(value) if isinstance(value, str) else None
    if email is None:
        raise OfflineMessageRefused(400, "email: is not a valid email address")
    return email


def _body(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise OfflineMessageRefused(400, "body: write a message")
    if len(value.strip()) > MAX_BODY:
        raise OfflineMessageRefused(400, f"body: at most {MAX_BODY} characters")
    return value.strip()


def recipients(visitor_id: str) -> list[User]:
    """The active reps the visitor's routing named (offered, routed, or skipped, closed
    groups' members included); none when it was never routed (admins see it anyway)."""
    current = assignments.get(visitor_id)
    if current is None:
        return []
    ids = {*current.named, *current.routed_to, *current.offered_to}
    if not ids:
        return []
    return list(db.session.scalars(select(User).where(User.id.in_(ids), User.active)))


def leave(visitor: Visitor, email: object, body: object) -> OfflineMessage:
    """Store the visitor's offline message; raises OfflineMessageRefused (nothing written):
    400 naming the field, 409 while a rep is chatting with them."""
    clean_email, clean_body = _email(email), _body(body)
    if conversations.open_conversation(visitor.id) is not None:
        raise OfflineMessageRefused(409, "conversation: a rep is chatting with you: "
                                         "write in the chat")
    current = assignments.get(visitor.id)
    message = OfflineMessage(visitor_id=visitor.id, email=clean_email, body=clean_body,
                             why="; ".join(current.closed) if current and current.closed
                             else None,
                             reps=recipients(visitor.id))
    db.session.add(message)
    db.session.commit()
    return message


def for_user(user: User) -> list[OfflineMessage]:
    """Offline messages the user may read, newest first: every one for an admin, those
    left for them for a rep."""
    query = select(OfflineMessage).order_by(OfflineMessage.created_at.desc(),
                                            OfflineMessage.id.desc()).limit(LIST_LIMIT)
    if not user.is_admin:
        query = query.join(offline_message_reps).where(offline_message_reps.c.user_id == user.id)
    return list(db.session.scalars(query))


def is_for(user_id: int, visitor_id: str) -> bool:
    """True when the visitor left an offline message for this rep."""
    return bool(db.session.scalar(select(exists().where(
        offline_message_reps.c.user_id == user_id,
        offline_message_reps.c.offline_message_id == OfflineMessage.id,
        OfflineMessage.visitor_id == visitor_id))))

