"""Conversations between a visitor and one rep, and their messages (the transcript)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Table, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from liveapp.extensions import db
from liveapp.models.user import User, utcnow
from liveapp.models.visitor import Visitor

ORIGINS = ("pounce", "inbound")
SENDERS = ("visitor", "rep", "bot", "system")  # system: notes such as why it closed


class Conversation(db.Model):
    __tablename__ = "conversations"
    # At most one open conversation per visitor: the database decides who claimed first.
    __table_args__ = (
        Index("uq_conversations_open_visitor", "visitor_id", unique=True,
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visitor_id: Mapped[str] = mapped_column(
        ForeignKey("visitors.id", ondelete="CASCADE"), nullable=False, index=True
    )
    rep_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    origin: Mapped[str] = mapped_column(String(10), nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="open")
    started_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)  # retention
    # Read state (services/chat/read_state.py): the newest message each side has seen, so
    # unread counts and "Seen" survive a reload. Ids only grow; None: nothing seen yet.
    rep_read_id: Mapped[int | None] = mapped_column(Integer)
    visitor_read_id: Mapped[int | None] = mapped_column(Integer)

    rep: Mapped[User] = relationship()
    visitor: Mapped[Visitor] = relationship()
    messages: Mapped[list[Message]] = relationship(
        back_populates="conversation", order_by="Message.id", cascade="all, delete-orphan"
    )


class Message(db.Model):
    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    sender: Mapped[str] = mapped_column(String(10), nullable=False)
    rep_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text, nullable=False)
    sent_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    conversation: Mapped[Conversation] = relationship(back_populates="messages")


offline_message_reps = Table(
    "offline_message_reps",
    db.metadata,
    Column("offline_message_id", ForeignKey("offline_messages.id", ondelete="CASCADE"),
           primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)


class OfflineMessage(db.Model):
    """A message a visitor left when nobody could chat (the group closed, nobody free):
    for the reps routing named for them (`reps`) and every admin."""

    __tablename__ = "offline_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visitor_id: Mapped[str] = mapped_column(
        ForeignKey("visitors.id", ondelete="CASCADE"), nullable=False, index=True
    )
    email: Mapped[str] = mapped_column(String(254), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    # Why nobody could chat, as routing said it ("Sales EMEA closed (opens Mon 09:00 ...)").
    why: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(
        DateTime, nullable=False, default=utcnow, index=True
    )

    visitor: Mapped[Visitor] = relationship()
    reps: Mapped[list[User]] = relationship(secondary=offline_message_reps,
                                            order_by="User.name")
