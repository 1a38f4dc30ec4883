"""Imported enrichment data: ABM target accounts and marketing automation records."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from liveapp.extensions import db
from liveapp.models.user import utcnow


class AbmAccount(db.Model):
    """A target account from the ABM list, keyed by company domain."""

    __tablename__ = "abm_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    domain: Mapped[str] = mapped_column(String(253), unique=True, nullable=False)
    tier: Mapped[str | None] = mapped_column(String(40))
    name: Mapped[str | None] = mapped_column(String(200))
    imported_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class MarketingRecord(db.Model):
    """Marketing automation data for one email: lead score and lifecycle stage."""

    __tablename__ = "marketing_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, nullable=False)
    lead_score: Mapped[int | None] = mapped_column(Integer)
    lifecycle_stage: Mapped[str | None] = mapped_column(String(60))
    imported_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
