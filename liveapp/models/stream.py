"""Live streams: coloured, ordered columns of the board, made of segments and experiences."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from liveapp.extensions import db
from liveapp.models.segment import Experience, Segment
from liveapp.models.user import utcnow

# segment_id is unique: a segment belongs to one stream at most, enforced by the database.
stream_segments = Table(
    "stream_segments",
    db.metadata,
    Column("stream_id", ForeignKey("streams.id", ondelete="CASCADE"), nullable=False),
    Column(
        "segment_id",
        ForeignKey("segments.id", ondelete="CASCADE"),
        primary_key=True,
    ),
)

stream_experiences = Table(
    "stream_experiences",
    db.metadata,
    Column("stream_id", ForeignKey("streams.id", ondelete="CASCADE"), primary_key=True),
    Column("experience_id", ForeignKey("experiences.id", ondelete="CASCADE"), primary_key=True),
)


class Stream(db.Model):
    __tablename__ = "streams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    colour: Mapped[str] = mapped_column(String(7), nullable=False, default="#2f5bea")
    # Priority: lower is higher priority and further left on the board.
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    segments: Mapped[list[Segment]] = relationship(
        secondary=stream_segments, order_by="Segment.name"
    )
    experiences: Mapped[list[Experience]] = relationship(
        secondary=stream_experiences, order_by="Experience.name"
    )

    def __repr__(self) -> str:
        return f"<Stream {self.position} {self.name}>"
