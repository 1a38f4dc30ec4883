"""Transcript search: reading the search form's filters, and splitting a snippet the
database marked into plain and highlighted parts (the template escapes both).

Dates are the user's calendar days in their own time zone; they become a half-open range
of naive UTC instants, as conversations store them.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MAX_TEXT = 200  # characters of each text filter
MAX_WORDS = 10  # words of the message text searched for
WORD = re.compile(r"\w+", re.UNICODE)
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class BadFilter(ValueError):
    """A filter the search cannot use; the message names the field."""


@dataclass(frozen=True)
class Filters:
    text: str = ""
    visitor: str = ""
    company: str = ""
    rep_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1

    @property
    def words(self) -> list[str]:
        """The words of `text` searched for (all of them must be in one message)."""
        return WORD.findall(self.text)[:MAX_WORDS]

    def query_args(self) -> dict[str, str]:
        """The filters as URL query arguments (what was not given left out)."""
        args = {"q": self.text, "visitor": self.visitor, "company": self.company,
                "rep": "" if self.rep_id is None else str(self.rep_id),
                "from": self.date_from.isoformat() if self.date_from else "",
                "to": self.date_to.isoformat() if self.date_to else ""}
        return {name: value for name, value in args.items() if value}

    @property
    def given(self) -> bool:
        """Whether any filter was given (the page then says "no match", not "none yet")."""
        return bool(self.query_args())


def parse(args: Mapping[str, str]) -> Filters:
    """The filters from the form's query arguments.

    Raises:
        BadFilter: a text too long, a rep or page that is not a number, a date that is
            not YYYY-MM-DD, or a range that ends before it starts.
    """
    texts = {name: _text(args, name, label) for name, label in
             (("q", "Text"), ("visitor", "Visitor"), ("company", "Company"))}
    date_from, date_to = _date(args, "from", "From"), _date(args, "to", "To")
    if date_from and date_to and date_to < date_from:
        raise BadFilter("To: the range ends before it starts.")
    return Filters(text=texts["q"], visitor=texts["visitor"], company=texts["company"],
                   rep_id=_number(args, "rep", "Rep"), date_from=date_from, date_to=date_to,
                   page=_number(args, "page", "Page") or 1)


def _text(args: Mapping[str, str], name: str, label: str) -> str:
    value = (args.get(name) or "").strip()
    if len(value) > MAX_TEXT:
        raise BadFilter(f"{label}: at most {MAX_TEXT} characters.")
    return value


def _date(args: Mapping[str, str], name: str, label: str) -> date | None:
    value = (args.get(name) or "").strip()
    if not value:
        return None
    try:
        if not ISO_DATE.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise BadFilter(f"{label}: a date as YYYY-MM-DD.") from None


def _number(args: Mapping[str, str], name: str, label: str) -> int | None:
    value = (args.get(name) or "").strip()
    if not value:
        return None
    if not value.isdigit() or not 0 < int(value) < 2**31:
        raise BadFilter(f"{label}: a whole number.")
    return int(value)


def utc_range(filters: Filters, time_zone: str) -> tuple[datetime | None, datetime | None]:
    """From the start of `date_from` to the end of `date_to`, days in `time_zone`, as naive
    UTC instants (the end excluded)."""
    zone = _zone(time_zone)

    def start_of(day: date) -> datetime:
        local = datetime.combine(day, time(0), tzinfo=zone)
        return local.astimezone(UTC).replace(tzinfo=None)

    start = start_of(filters.date_from) if filters.date_from else None
    end = start_of(filters.date_to + timedelta(days=1)) if filters.date_to else None
    return start, end


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@dataclass(frozen=True)
class Markers:
    """What the database wraps each hit in: a random nonce per search between Unicode
    private-use characters, so text a visitor typed can never pass for a hit. The page
    escapes the text and turns only these into <mark>."""

    start: str
    end: str


def new_markers() -> Markers:
    nonce = secrets.token_hex(8)
    return Markers(f"\ue000{nonce}\ue001", f"\ue001{nonce}\ue000")


@dataclass(frozen=True)
class Part:
    text: str
    hit: bool


def highlighted(snippet: str, markers: Markers) -> list[Part]:
    """The snippet as parts, the ones between `markers` being hits."""
    parts: list[Part] = []
    for index, piece in enumerate(snippet.split(markers.start)):
        hit, rest = "", piece
        if index and markers.end in piece:
            hit, _, rest = piece.partition(markers.end)
        if hit:
            parts.append(Part(hit, True))
        if rest:
            parts.append(Part(rest, False))
    return parts
