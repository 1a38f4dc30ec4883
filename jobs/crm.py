"""CRM jobs."""

from __future__ import annotations

from rq import get_current_job

from jobs import app_context


def resolve_crm(visitor_id: str) -> dict:
    """Salesforce owner, Outreach/Salesloft owner and sender for one visitor (idempotent);
    returns each enabled CRM's status."""
    with app_context():
        from liveapp.services import crm

        crm.started(visitor_id)
        try:
            result = crm.resolve(visitor_id)
        except Exception:
            if _last_attempt():  # routing stops waiting for an answer that won't come
                crm.finished(visitor_id)
            raise
        crm.finished(visitor_id)
        return {name: crm.status_of(result, name) for name in ("salesforce", "outreach",
                                                                "salesloft") if name in result}


def _last_attempt() -> bool:
    job = get_current_job()
    return job is None or not job.retries_left
