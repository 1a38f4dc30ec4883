"""CRM integrations: one row per CRM with its settings, secrets encrypted at rest."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from liveapp.extensions import db
from liveapp.models.user import utcnow

CRMS = ("salesforce", "outreach", "salesloft")


class Integration(db.Model):
    """A CRM's connection: plain settings (URLs, usernames), secrets (tokens, passwords)
    as a Fernet token (see liveapp.services.crm.crm_settings), and the last test's outcome."""

    __tablename__ = "integrations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(20), unique=True, nullable=False)
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    settings: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    secrets_encrypted: Mapped[str | None] = mapped_column(Text)
    # Bumped on every save: worker processes rebuild their cached clients when it moves.
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    last_test_ok: Mapped[bool | None] = mapped_column(Boolean)
    last_test_message: Mapped[str | None] = mapped_column(String(500))
    last_tested_at: Mapped[datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime, nullable=False, default=utcnow, onupdate=utcnow
    )

    def __repr__(self) -> str:
        return f"<Integration {self.name}>"
