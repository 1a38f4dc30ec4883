"""Segments (named criteria over visitor facts) and experiences (targeted chat flows)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Column, DateTime, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from liveapp.domain.invitations import parse_invitation
from liveapp.extensions import db
from liveapp.models.user import utcnow

experience_segments = Table(
    "experience_segments",
    db.metadata,
    Column("experience_id", ForeignKey("experiences.id", ondelete="CASCADE"), primary_key=True),
    Column("segment_id", ForeignKey("segments.id", ondelete="CASCADE"), primary_key=True),
)


class Segment(db.Model):
    __tablename__ = "segments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    description: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    # {"match": "all"|"any", "conditions": [{"field", "operator", "value"}]}
    criteria: Mapped[dict] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime, nullable=False, default=utcnow, onupdate=utcnow
    )

    def __repr__(self) -> str:
        return f"<Segment {self.name}>"


class Experience(db.Model):
    __tablename__ = "experiences"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    priority: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # URL rules: [{"kind": "equals"|"contains"|"wildcard", "value": ..., "exclude": bool}]
    targeting: Mapped[list] = mapped_column(JSON, nullable=False)
    # [{"type": "bot_message", "text": ...}, {"type": "route_inbound"}, ...]
    flow: Mapped[list] = mapped_column(JSON, nullable=False)
    # When the widget opens by itself: {"trigger": ..., "value": ...} (domain/invitations.py);
    # None: it waits for the visitor.
    invitation: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime, nullable=False, default=utcnow, onupdate=utcnow
    )

    audience: Mapped[list[Segment]] = relationship(
        secondary=experience_segments, order_by="Segment.name"
    )

    @property
    def invitation_text(self) -> str | None:
        """When the widget opens by itself, in a few words (None: it does not)."""
        invitation = parse_invitation(self.invitation)
        return invitation.describe() if invitation else None

    def __repr__(self) -> str:
        return f"<Experience {self.name}>"
