"""Enrichment jobs."""

from __future__ import annotations

from rq import Retry

from jobs import app_context, job
from liveapp.services.crm import visitor_enrichment


@job(queue="low", timeout=60, retry=Retry(max=3, interval=[5, 30, 120]))
def enrich_visitor(visitor_id: str) -> dict:
    """Company, ABM and marketing data for one visitor (idempotent); returns what changed."""
    with app_context():
        visitor_enrichment.started(visitor_id)
        return visitor_enrichment.enrich(visitor_id)
