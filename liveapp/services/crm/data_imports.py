"""Importing ABM target accounts and marketing-automation data from CSV files.

All or nothing: a file with any bad row imports nothing and reports every bad row.
Rows are upserted by their key (domain, email). Live visitors are enriched again, so a
new target account shows on the board without waiting for the visitor's next page.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from liveapp.extensions import db
from liveapp.integrations import import_csv
from liveapp.models import AbmAccount, MarketingRecord, utcnow
from liveapp.services.crm import visitor_enrichment
from liveapp.services.tracking import hot_state

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


def _upsert(raw: bytes, parse, model, key: str, apply) -> ImportResult:
    """Parse a file and upsert its rows by `key`; nothing is written when any row is bad."""
    text = _decode(raw) if len(raw) <= MAX_BYTES else None
    if text is None:
        return ImportResult(errors=["The file must be UTF-8 CSV text of at most 5 MB."])
    rows, errors = parse(text)
    if errors:
        return ImportResult(errors=[str(e) for e in errors])
    column = getattr(model, key)
    wanted = [getattr(row, key) for row in rows]
    existing = {getattr(r, key).lower(): r
                for r in db.session.scalars(select(model).where(func.lower(column).in_(wanted)))}
    result = ImportResult()
    for row in rows:
        record = existing.get(getattr(row, key))
        if record is None:
            record = model(**{key: getattr(row, key)})
            db.session.add(record)
            result.created += 1
        else:
            result.updated += 1
        apply(record, row)
        record.imported_at = utcnow()
    db.session.commit()
    _enrich_live_visitors()
    return result


def _apply_abm(account: AbmAccount, row: import_csv.AbmRow) -> None:
    account.tier, account.name = str(row.tier), row.name


def _apply_marketing(record: MarketingRecord, row: import_csv.MarketingRow) -> None:
    record.lead_score, record.lifecycle_stage = row.lead_score, row.lifecycle_stage


def import_abm(raw: bytes) -> ImportResult:
    """Import target accounts (domain, tier, name); nothing when any row is bad."""
    return _upsert(raw, import_csv.parse_abm_csv, AbmAccount, "domain", _apply_abm)


def import_marketing(raw: bytes) -> ImportResult:
    """Import lead scores and lifecycle stages by email; nothing when any row is bad."""
    return _upsert(raw, import_csv.parse_marketing_csv, MarketingRecord, "email", _apply_marketing)


def _enrich_live_visitors() -> None:
    for visitor_id in hot_state.live():
        visitor_enrichment.request(visitor_id)


def counts() -> dict[str, int]:
    return {
        "abm": db.session.scalar(select(func.count(AbmAccount.id))) or 0,
        "marketing": db.session.scalar(select(func.count(MarketingRecord.id))) or 0,
    }
