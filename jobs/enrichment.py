"""Enrichment jobs."""

from __future__ import annotations

from jobs import app_context


def enrich_visitor(visitor_id: str) -> dict:
    """Company, ABM and marketing data for one visitor (idempotent); returns what changed."""
    with app_context():
        from liveapp.services import visitor_enrichment

        visitor_enrichment.started(visitor_id)
        return visitor_enrichment.enrich(visitor_id)
