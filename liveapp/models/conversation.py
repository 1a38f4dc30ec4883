"""Conversations between a visitor and one rep, and their messages (the transcript)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    func,
    literal_column,
    text,
)
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
        Index("ix_conversations_report", "started_at", "origin", "rep_id", "visitor_id"),
        Index("ix_conversations_origin", "origin", "started_at", "rep_id", "visitor_id"),
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
    # When the transcript went to the visitor by email (jobs/transcript_email.py): once.
    transcript_emailed_at: Mapped[datetime | None] = mapped_column(DateTime)

    rep: Mapped[User] = relationship()
    visitor: Mapped[Visitor] = relationship()
    messages: Mapped[list[Message]] = relationship(
        back_populates="conversation", order_by="Message.id", cascade="all, delete-orphan"
    )


# Transcript search (services/chat/transcript_search.py). PostgreSQL: this GIN index on
# the messages' tsvector; SQLite: the FTS5 table `messages_fts` over `messages`, kept in
# step by triggers. Both are built by migration 0020 alone, one per backend, so the models
# do not declare them (ops/schema.include_name keeps them out of the drift check).
SEARCH_CONFIG = "english"
SEARCH_INDEX = "ix_messages_body_search"
FTS_TABLE = "messages_fts"


def body_tsvector(body):
    """The expression the PostgreSQL index is built on (a query must use the same)."""
    return func.to_tsvector(literal_column(f"'{SEARCH_CONFIG}'"), body)


class Message(db.Model):
    __tablename__ = "messages"
    __table_args__ = (  # reports: messages sent in a window; a chat's first response
        Index("ix_messages_rep_sent_at", "sender", "rep_id", "sent_at", "conversation_id"),
        Index("ix_messages_conversation_sender", "conversation_id", "sender", "sent_at"),
    )

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
