"""Membership jobs: re-evaluate live visitors after admins change settings."""

from __future__ import annotations

from jobs import app_context


def reevaluate_live() -> int:
    """Re-evaluate every live visitor's segments, experience and stream; idempotent."""
    with app_context():
        from liveapp.services import membership

        return membership.reevaluate_live()
