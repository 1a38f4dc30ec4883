"""Conversations between a visitor and one rep, and their messages (the transcript)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, text
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
