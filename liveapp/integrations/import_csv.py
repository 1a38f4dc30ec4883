"""Pure parsers for the CSV files admins import: ABM target accounts and marketing data.

Each returns `(rows, errors)`. Errors name the file line (the header is line 1) and the
column; an importer must import nothing when `errors` is not empty. Column names are
matched case-insensitively, extra columns are ignored (CRM exports carry many), blank
lines are skipped and an Excel byte-order mark is tolerated.

ABM file: `domain` (a bare domain; `https://`, `www.` and any path are dropped),
`tier` (`1`, `2`, `3` or `A`, `B`, `C`, where A=1 is the most important) and an
optional `name`. Marketing file: `email`, `lead_score` (whole number 0-100) and
`lifecycle_stage` (one of LIFECYCLE_STAGES, case-insensitive).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from liveapp.integrations.company_directory import FREE_MAIL_DOMAINS

MAX_ROWS = 50_000
MAX_NAME_LENGTH = 200
LIFECYCLE_STAGES = ("subscriber", "lead", "mql", "sql", "opportunity", "customer", "evangelist")
TIERS = {"1": 1, "2": 2, "3": 3, "a": 1, "b": 2, "c": 3}
DOMAIN_RE = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
EMAIL_RE = re.compile(r"^[a-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@([a-z0-9.-]{4,253})$")


@dataclass(frozen=True)
class RowError:
    """One problem in an uploaded file; `column` is None for whole-file problems."""

    line: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class AbmRow:
    """A target account: its domain, tier 1 (most important) to 3, and a display name."""

    line: int
    domain: str
    tier: int
    name: str | None


@dataclass(frozen=True)
class MarketingRow:
    """Marketing-automation facts about one person, keyed by email."""

    line: int
    email: str
    lead_score: int
    lifecycle_stage: str


class _Invalid(ValueError):
    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column = column


def _records(
    text: str, required: tuple[str, ...], errors: list[RowError]
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, {column: stripped value}) per non-blank record, after checking the header."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            errors.append(RowError(1, None, "the file is empty"))
            return
        columns = [name.strip().lower() for name in header]
        missing = [name for name in required if name not in columns]
        for name in missing:
            errors.append(RowError(1, name, "required column is missing from the header"))
        if missing:
            return
        count = 0
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            count += 1
            if count > MAX_ROWS:
                errors.append(RowError(reader.line_num, None, f"more than {MAX_ROWS} rows"))
                return
            padded = values + [""] * (len(columns) - len(values))
            yield reader.line_num, {c: v.strip() for c, v in zip(columns, padded, strict=False)}
        if count == 0:
            errors.append(RowError(1, None, "the file has a header but no rows"))
    except csv.Error as exc:
        errors.append(RowError(reader.line_num, None, f"not a valid CSV file ({exc})"))


def _parse(
    text: str,
    required: tuple[str, ...],
    build: Callable[[int, dict[str, str]], object],
    key: Callable[[object], str],
    key_column: str,
) -> tuple[list, list[RowError]]:
    rows: list = []
    errors: list[RowError] = []
    first_line: dict[str, int] = {}
    for line, record in _records(text, required, errors):
        try:
            row = build(line, record)
        except _Invalid as exc:
            errors.append(RowError(line, exc.column, str(exc)))
            continue
        if key(row) in first_line:
            errors.append(RowError(line, key_column, f"duplicate of line {first_line[key(row)]}"))
            continue
        first_line[key(row)] = line
        rows.append(row)
    return rows, errors


def clean_domain(value: str) -> str:
    """A bare lower-case domain from what people paste: URLs, www., trailing dots."""
    host = value.strip().lower()
    host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", host).split("/", 1)[0].rstrip(".")
    return host.removeprefix("www.")


def _abm_row(line: int, record: dict[str, str]) -> AbmRow:
    raw = record["domain"]
    if not raw:
        raise _Invalid("domain", "a domain is required")
    domain = clean_domain(raw)
    if not DOMAIN_RE.match(domain):
        raise _Invalid("domain", f"{raw!r} is not a domain like example.com")
    if domain in FREE_MAIL_DOMAINS:
        raise _Invalid("domain", f"{domain} is a free-mail domain, not a company")
    tier = TIERS.get(record["tier"].lower())
    if tier is None:
        raise _Invalid("tier", f"{record['tier']!r} is not a tier: use 1, 2, 3 or A, B, C")
    name = record.get("name") or None
    if name and len(name) > MAX_NAME_LENGTH:
        raise _Invalid("name", f"longer than {MAX_NAME_LENGTH} characters")
    return AbmRow(line=line, domain=domain, tier=tier, name=name)


def _marketing_row(line: int, record: dict[str, str]) -> MarketingRow:
    email = record["email"].lower()
    if not email:
        raise _Invalid("email", "an email address is required")
    match = EMAIL_RE.match(email)
    if not match or not DOMAIN_RE.match(match.group(1)):
        raise _Invalid("email", f"{record['email']!r} is not an email address")
    raw_score = record["lead_score"]
    if not re.fullmatch(r"[0-9]{1,3}", raw_score) or int(raw_score) > 100:
        raise _Invalid("lead_score", f"{raw_score!r} is not a whole number from 0 to 100")
    stage = record["lifecycle_stage"].lower()
    if stage not in LIFECYCLE_STAGES:
        raise _Invalid(
            "lifecycle_stage",
            f"{record['lifecycle_stage']!r} is not one of {', '.join(LIFECYCLE_STAGES)}",
        )
    return MarketingRow(line=line, email=email, lead_score=int(raw_score), lifecycle_stage=stage)


def parse_abm_csv(text: str) -> tuple[list[AbmRow], list[RowError]]:
    """Target accounts from an ABM CSV (domain, tier, optional name)."""
    return _parse(text, ("domain", "tier"), _abm_row, lambda r: r.domain, "domain")


def parse_marketing_csv(text: str) -> tuple[list[MarketingRow], list[RowError]]:
    """Lead score and lifecycle stage per email from a marketing-automation CSV."""
    return _parse(
        text, ("email", "lead_score", "lifecycle_stage"), _marketing_row,
        lambda r: r.email, "email",
    )
