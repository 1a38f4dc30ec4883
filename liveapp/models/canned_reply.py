"""Canned replies: the team's (owner_id is None, managed by admins) and each rep's own."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from liveapp.domain.canned_replies import BODY_MAX, SHORTCUT_MAX
from liveapp.extensions import db
from liveapp.models.user import utcnow


class CannedReply(db.Model):
    __tablename__ = "canned_replies"
    # A shortcut names one reply in its scope: once among the team's, once among each
    # rep's own (a rep's own may share a team shortcut; the chat box lists both).
    __table_args__ = (
        UniqueConstraint("owner_id", "shortcut", name="uq_canned_replies_owner_shortcut"),
        Index("uq_canned_replies_team_shortcut", "shortcut", unique=True,
              sqlite_where=text("owner_id IS NULL"),
              postgresql_where=text("owner_id IS NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    shortcut: Mapped[str] = mapped_column(String(SHORTCUT_MAX), nullable=False)  # lower case
    body: Mapped[str] = mapped_column(String(BODY_MAX), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime, nullable=False, default=utcnow, onupdate=utcnow
    )

    @property
    def is_team(self) -> bool:
        return self.owner_id is None

    def __repr__(self) -> str:
        return f"<CannedReply /{self.shortcut} {self.owner_id or 'team'}>"
