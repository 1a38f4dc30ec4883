"""A report table as CSV text: RFC 4180 quoting, UTF-8 with a byte order mark (so that
spreadsheets read accented company names right), and safe to open in a spreadsheet.

Company names and rule names come from visitors and admins; a text cell starting with
= + - @, a tab or a carriage return would run as a formula in Excel or Sheets ("CSV
injection"), so it gets a leading apostrophe. Numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def cell(value: object) -> str:
    """One cell's text: dates in ISO form, no figure as empty, risky text defused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, int | float):
        return str(round(value, 4)) if isinstance(value, float) else str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """The header and the rows as CSV text (CRLF line ends), starting with a BOM."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([cell(c) for c in columns])
    writer.writerows([cell(v) for v in row] for row in rows)
    return BOM + out.getvalue()


def filename(key: str, start: date, end: date) -> str:
    """"visitors_per_day_2026-11-01_2026-11-30.csv": the table and its days."""
    safe_key = "".join(c if c.isalnum() or c in "_-" else "_" for c in key)
    return f"{safe_key}_{start.isoformat()}_{end.isoformat()}.csv"
