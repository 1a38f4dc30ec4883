"""Importing ABM target accounts and marketing-automation data from CSV files.

All or nothing: a file with any bad row imports nothing and reports every bad row.
Rows are upserted by their key (domain, email). Live visitors are enriched again, so a
new target account shows on the board without waiting for the visitor's next page.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from liveapp.extensions import db
from liveapp.integrations import imports
from liveapp.models import AbmAccount, MarketingRecord, utcnow
from liveapp.services import presence, visitor_enrichment

DATA = Path(__file__).resolve().parent.parent / "data"
MAX_BYTES = 5 * 1024 * 1024


@dataclass
class ImportResult:
    """What an import did: rows created and updated, or the errors that stopped it."""

    created: int = 0
    updated: int = 0
    errors: list[str] | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def _decode(raw: bytes) -> str | None:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _refused(message: str) -> ImportResult:
    return ImportResult(errors=[message])


def import_abm(raw: bytes) -> ImportResult:
    """Import target accounts (domain, tier, name); nothing when any row is bad."""
    text = _decode(raw) if len(raw) <= MAX_BYTES else None
    if text is None:
        return _refused("The file must be UTF-8 CSV text of at most 5 MB.")
    rows, errors = imports.parse_abm_csv(text)
    if errors:
        return ImportResult(errors=[str(e) for e in errors])
    existing = {a.domain.lower(): a for a in db.session.scalars(
        select(AbmAccount).where(func.lower(AbmAccount.domain).in_([r.domain for r in rows])))}
    result = ImportResult()
    for row in rows:
        account = existing.get(row.domain)
        if account is None:
            account = AbmAccount(domain=row.domain)
            db.session.add(account)
            result.created += 1
        else:
            result.updated += 1
        account.tier, account.name, account.imported_at = str(row.tier), row.name, utcnow()
    db.session.commit()
    _enrich_live_visitors()
    return result


def import_marketing(raw: bytes) -> ImportResult:
    """Import lead scores and lifecycle stages by email; nothing when any row is bad."""
    text = _decode(raw) if len(raw) <= MAX_BYTES else None
    if text is None:
        return _refused("The file must be UTF-8 CSV text of at most 5 MB.")
    rows, errors = imports.parse_marketing_csv(text)
    if errors:
        return ImportResult(errors=[str(e) for e in errors])
    existing = {m.email.lower(): m for m in db.session.scalars(
        select(MarketingRecord).where(
            func.lower(MarketingRecord.email).in_([r.email for r in rows])))}
    result = ImportResult()
    for row in rows:
        record = existing.get(row.email)
        if record is None:
            record = MarketingRecord(email=row.email)
            db.session.add(record)
            result.created += 1
        else:
            result.updated += 1
        record.lead_score, record.lifecycle_stage = row.lead_score, row.lifecycle_stage
        record.imported_at = utcnow()
    db.session.commit()
    _enrich_live_visitors()
    return result


def _enrich_live_visitors() -> None:
    for visitor_id in presence.live():
        visitor_enrichment.request(visitor_id)


def counts() -> dict[str, int]:
    return {
        "abm": db.session.scalar(select(func.count(AbmAccount.id))) or 0,
        "marketing": db.session.scalar(select(func.count(MarketingRecord.id))) or 0,
    }


def seed_samples() -> None:
    """The demo's sample files (matching the demo companies), once."""
    if not counts()["abm"]:
        import_abm((DATA / "abm_accounts.csv").read_bytes())
    if not counts()["marketing"]:
        import_marketing((DATA / "marketing.csv").read_bytes())
