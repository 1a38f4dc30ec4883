"""Enriching a visitor off the request path: company (by email domain, else by IP), ABM
target account and marketing automation data; publishes an `enrichment` change."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy import func, select

from jobs import enrichment as enrichment_jobs
from liveapp.extensions import db
from liveapp.integrations.company_directory import default_provider
from liveapp.models import AbmAccount, MarketingRecord, Visitor
from liveapp.services.bus import changes, pending_jobs

log = logging.getLogger(__name__)

PENDING_TTL = 600  # a lost job stops blocking new requests after this many seconds
COMPANY_FIELDS = {
    "name": "company_name", "domain": "company_domain", "industry": "industry",
    "employees": "employees", "revenue_band": "revenue_band", "country": "country",
    "city": "city",
}


def pending_key(visitor_id: str) -> str:
    return pending_jobs.pending_key("enrich", visitor_id)


def request(visitor_id: str) -> bool:
    """Enqueue `jobs.enrichment.enrich_visitor` unless one is already waiting; True if queued."""
    return pending_jobs.request("enrich", visitor_id, enrichment_jobs.enrich_visitor,
                                pending_ttl=PENDING_TTL)


def started(visitor_id: str) -> None:
    """The job began: a later identify may ask again (that run will see the new email)."""
    pending_jobs.started("enrich", visitor_id)


def email_domain(email: str | None) -> str | None:
    return email.rsplit("@", 1)[1].lower() if email and "@" in email else None


def _find_company(visitor: Visitor):
    directory = default_provider()
    domain = email_domain(visitor.email)
    company = directory.by_domain(domain) if domain else None
    if company is None and visitor.ip:
        company = directory.by_ip(visitor.ip)
    return company


def _set(visitor: Visitor, changed: dict, field: str, value) -> None:
    if getattr(visitor, field) != value:
        setattr(visitor, field, value)
        changed[field] = value


def _apply_company(visitor: Visitor, changed: dict) -> None:
    company = _find_company(visitor)
    if company is None:
        return
    for attr, field in COMPANY_FIELDS.items():
        value = getattr(company, attr, None)
        if value is not None:
            _set(visitor, changed, field, value)


def _apply_abm(visitor: Visitor, changed: dict) -> None:
    domains = {d for d in (visitor.company_domain, email_domain(visitor.email)) if d}
    account = db.session.scalar(
        select(AbmAccount).where(func.lower(AbmAccount.domain).in_(domains)).limit(1)
    ) if domains else None
    _set(visitor, changed, "abm_target", account is not None)
    _set(visitor, changed, "abm_tier", account.tier if account else None)


def _apply_marketing(visitor: Visitor, changed: dict) -> None:
    if not visitor.email:
        return
    record = db.session.scalar(
        select(MarketingRecord).where(func.lower(MarketingRecord.email) == visitor.email)
    )
    if record is not None:
        _set(visitor, changed, "lead_score", record.lead_score)
        _set(visitor, changed, "lifecycle_stage", record.lifecycle_stage)


def enrich(visitor_id: str) -> dict:
    """Fill the visitor's company, ABM and marketing fields; returns what changed."""
    visitor = db.session.get(Visitor, visitor_id)
    if visitor is None:
        return {}
    changed: dict = {}
    _apply_company(visitor, changed)
    _apply_abm(visitor, changed)
    _apply_marketing(visitor, changed)
    visitor.enriched_at = datetime.now(UTC).replace(tzinfo=None)
    db.session.commit()
    if changed:
        changes.publish(visitor_id, "enrichment", **changed)
    return changed
