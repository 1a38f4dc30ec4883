"""Visitors, their sessions and page views: the history the snippet reports."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from liveapp.extensions import db
from liveapp.models.user import utcnow

URL_LENGTH = 2048
UTM_LENGTH = 255


class Campaign:
    """The campaign a visit's landing page, or a page view, came from (its UTM tags)."""

    utm_source: Mapped[str | None] = mapped_column(String(UTM_LENGTH))
    utm_medium: Mapped[str | None] = mapped_column(String(UTM_LENGTH))
    utm_campaign: Mapped[str | None] = mapped_column(String(UTM_LENGTH))
    utm_term: Mapped[str | None] = mapped_column(String(UTM_LENGTH))
    utm_content: Mapped[str | None] = mapped_column(String(UTM_LENGTH))


class Visitor(db.Model):
    """One browser (the snippet's cookie UUID) on one site, with what we know about it."""

    __tablename__ = "visitors"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    site_id: Mapped[int] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), nullable=False, index=True
    )
    first_seen: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(
        DateTime, nullable=False, default=utcnow, index=True
    )
    # Identity
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    email_source: Mapped[str | None] = mapped_column(String(20))  # form|outreach|salesloft...
    name: Mapped[str | None] = mapped_column(String(120))
    # Where from (IP of the last event)
    ip: Mapped[str | None] = mapped_column(String(45))
    country: Mapped[str | None] = mapped_column(String(80))
    city: Mapped[str | None] = mapped_column(String(120))
    # Firmographics (enrichment)
    company_name: Mapped[str | None] = mapped_column(String(200))
    company_domain: Mapped[str | None] = mapped_column(String(253), index=True)
    industry: Mapped[str | None] = mapped_column(String(120))
    employees: Mapped[int | None] = mapped_column(Integer)
    revenue_band: Mapped[str | None] = mapped_column(String(40))
    # ABM and marketing automation
    abm_target: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    abm_tier: Mapped[str | None] = mapped_column(String(40))
    lead_score: Mapped[int | None] = mapped_column(Integer)
    lifecycle_stage: Mapped[str | None] = mapped_column(String(60))
    # Free-form: what the site sent (identify traits) and CRM data (a later issue).
    traits: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    crm: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    enriched_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The experience the visitor is receiving now, and every one received (bot engagement).
    experience_id: Mapped[int | None] = mapped_column(
        ForeignKey("experiences.id", ondelete="SET NULL")
    )
    experiences_received: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    # What the visitor answered in chat flows, kept as visitor facts (criteria, the card):
    # {"company_size": "201-1000", "industry": "Software", "questions": {"<exp>:<step>": ...}}
    chat_answers: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)

    sessions: Mapped[list[VisitSession]] = relationship(
        back_populates="visitor", order_by="VisitSession.started_at.desc()",
        cascade="all, delete-orphan", passive_deletes=True,
    )

    @property
    def display_name(self) -> str:
        return self.name or self.email or self.company_name or "Anonymous visitor"

    def __repr__(self) -> str:
        return f"<Visitor {self.id}>"


class VisitSession(Campaign, db.Model):
    """A visit: page views with no gap longer than the session timeout."""

    __tablename__ = "visit_sessions"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True)
    visitor_id: Mapped[str] = mapped_column(
        ForeignKey("visitors.id", ondelete="CASCADE"), nullable=False, index=True
    )
    started_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)  # retention
    landing_url: Mapped[str | None] = mapped_column(String(URL_LENGTH))
    referrer: Mapped[str | None] = mapped_column(String(URL_LENGTH))
    page_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    visitor: Mapped[Visitor] = relationship(back_populates="sessions")


class PageView(Campaign, db.Model):
    """One page the visitor saw; duration is filled when the next view or leave arrives."""

    __tablename__ = "page_views"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True)
    visitor_id: Mapped[str] = mapped_column(
        ForeignKey("visitors.id", ondelete="CASCADE"), nullable=False
    )
    session_id: Mapped[int] = mapped_column(
        ForeignKey("visit_sessions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    url: Mapped[str] = mapped_column(String(URL_LENGTH), nullable=False)
    title: Mapped[str | None] = mapped_column(String(512))
    referrer: Mapped[str | None] = mapped_column(String(URL_LENGTH))
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    # The event pipeline's event id: a redelivered event is recognised and not recorded twice.
    event_id: Mapped[str | None] = mapped_column(String(36))

    __table_args__ = (db.Index("ix_page_views_visitor_id_at", "visitor_id", "at"),
                      db.Index("ix_page_views_event_id", "event_id", unique=True),
                      db.Index("ix_page_views_at", "at"))  # the retention task's
