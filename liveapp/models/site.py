"""Sites: a website that runs the snippet, its public key and the origins it may send from."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import JSON, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from liveapp.extensions import db
from liveapp.models.user import utcnow


def new_site_key() -> str:
    """A random, URL-safe public key for the snippet's data-site-key attribute."""
    return secrets.token_urlsafe(18)


class Site(db.Model):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    site_key: Mapped[str] = mapped_column(String(64), unique=True, nullable=False,
                                          default=new_site_key)
    allowed_origins: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    def __repr__(self) -> str:
        return f"<Site {self.name}>"
