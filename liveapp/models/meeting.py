"""Meetings a visitor booked in a rep's calendar when nobody answered their chat request."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from liveapp.extensions import db
from liveapp.models.user import User, utcnow
from liveapp.models.visitor import Visitor

STATUSES = ("booked", "cancelled")
MAX_NOTE = 500


class Meeting(db.Model):
    __tablename__ = "meetings"
    # One booked meeting per rep and start time: when two visitors book the same slot at
    # once, the database decides who got it (a cancelled one frees the slot again).
    __table_args__ = (
        Index("uq_meetings_booked_rep_start", "rep_id", "starts_at", unique=True,
              sqlite_where=text("status = 'booked'"),
              postgresql_where=text("status = 'booked'")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visitor_id: Mapped[str] = mapped_column(
        ForeignKey("visitors.id", ondelete="CASCADE"), nullable=False, index=True
    )
    rep_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)  # naive UTC
    ends_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    email: Mapped[str | None] = mapped_column(String(254))
    note: Mapped[str | None] = mapped_column(String(MAX_NOTE))
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="booked")
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow,
                                                 index=True)  # reports

    rep: Mapped[User] = relationship()
    visitor: Mapped[Visitor] = relationship()

    def __repr__(self) -> str:
        return f"<Meeting {self.rep_id} {self.starts_at:%Y-%m-%d %H:%M} {self.status}>"
