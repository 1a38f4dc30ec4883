"""Membership jobs: re-evaluate live visitors after admins change settings."""

from __future__ import annotations

from jobs import app_context, job
from liveapp.services.membership import live_membership


@job(queue="high", timeout=180)
def reevaluate_live() -> int:
    """Re-evaluate every live visitor's segments, experience and stream; idempotent."""
    with app_context():
        return live_membership.reevaluate_live()
