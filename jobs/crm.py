"""CRM jobs."""

from __future__ import annotations

from jobs import app_context


def resolve_crm(visitor_id: str) -> dict:
    """Salesforce owner, Outreach/Salesloft owner and sender for one visitor (idempotent);
    returns each enabled CRM's status."""
    with app_context():
        from liveapp.services import crm

        crm.started(visitor_id)
        result = crm.resolve(visitor_id)
        return {name: crm.status_of(result, name) for name in ("salesforce", "outreach",
                                                                "salesloft") if name in result}
