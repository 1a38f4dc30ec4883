"""Everything segment criteria, experiences and routing rules may look at about a visitor.

None means "unknown" (not enriched, not in the CRM, never said); criteria treat it as
not set. Construction cleans values so criteria can trust their types: text is stripped
(blank becomes None), numbers and flags given as strings are parsed, and anything that
cannot be understood becomes unknown rather than an error.

Services build one VisitorFacts per visitor change from the visitor's row, its hot
presence state and its enrichment/CRM results; the domain never queries.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class VisitorFacts:
    """A snapshot of one visitor's data, as criteria see it."""

    # Activity
    current_url: str | None = None
    visited_urls: tuple[str, ...] = ()
    page_count: int = 0
    time_on_site_seconds: float = 0
    sessions: int = 0
    referrer: str | None = None
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None
    utm_term: str | None = None
    utm_content: str | None = None
    # Identity
    email: str | None = None
    name: str | None = None
    # Company (enrichment)
    company_name: str | None = None
    company_domain: str | None = None
    industry: str | None = None
    employees: int | None = None
    revenue_band: str | None = None
    country: str | None = None
    # ABM
    is_target_account: bool | None = None
    abm_tier: str | None = None
    # Marketing automation
    lead_score: float | None = None
    lifecycle_stage: str | None = None
    # CRM (Salesforce)
    is_contact: bool | None = None
    is_lead: bool | None = None
    account_type: str | None = None
    owner_known: bool | None = None
    # Experiences: the one recorded on the visitor now, and every one received so far
    experience_id: int | None = None
    experiences_received: frozenset[int] = frozenset()
    # What the visitor answered in chat flows: company size and industry, and every
    # answer by question ("<experience id>:<step>")
    answered_company_size: str | None = None
    answered_industry: str | None = None
    chat_answers: Mapping[str, str] = field(default_factory=dict)
    # Membership as the board shows it (routing rules only; see with_membership)
    segment_ids: frozenset[int] = frozenset()
    stream_id: int | None = None
    # Derived from email
    email_domain: str | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        # Facts are built once per visitor change: the common, already clean values are
        # recognised inline and only the others go through a cleaner.
        for name in _TEXT_FACTS:
            value = getattr(self, name)
            if value is not None and not _clean_text(value):
                object.__setattr__(self, name, _text(value))
        for name, clean in _OTHER_CLEANERS:
            value = getattr(self, name)
            cleaned = clean(value)
            if cleaned is not value:
                object.__setattr__(self, name, cleaned)
        object.__setattr__(self, "email_domain", email_domain_of(self.email))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> VisitorFacts:
        """Facts from a JSON-safe mapping; unknown keys are ignored."""
        return cls(**{key: value for key, value in data.items() if key in _INIT_FIELDS})

    def to_dict(self) -> dict[str, Any]:
        """The facts as a JSON-safe dict (email_domain included, for display)."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["visited_urls"] = list(self.visited_urls)
        data["experiences_received"] = sorted(self.experiences_received)
        data["chat_answers"] = dict(self.chat_answers)
        data["segment_ids"] = sorted(self.segment_ids)
        return data

    def with_membership(self, segment_ids: Iterable[int], stream_id: int | None) -> VisitorFacts:
        """These facts with the visitor's current segments and stream (for routing rules:
        membership is computed from the other facts, so segments never see it)."""
        return dataclasses.replace(self, segment_ids=frozenset(segment_ids), stream_id=stream_id)


def email_domain_of(email: str | None) -> str | None:
    """The lowercased domain of an email address, or None when there is none."""
    if not email or "@" not in email:
        return None
    domain = email.rsplit("@", 1)[1].strip().lower()
    return domain or None


def _clean_text(value: Any) -> bool:
    """Whether value is already clean text: a str, not blank, no surrounding spaces."""
    return type(value) is str and value != "" and not value[0].isspace() \
        and not value[-1].isspace()


def _text(value: Any) -> str | None:
    """Stripped text; blank or missing is unknown (None)."""
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    stripped = text.strip()
    if not stripped:
        return None
    return value if stripped is value else stripped


def _number(value: Any) -> int | float | None:
    """A finite int or float; anything else is unknown (None)."""
    if type(value) is int:
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
        return _number(int(number) if number.is_integer() else number)
    return None


def _count(value: Any) -> int | float:
    """A number that is always known: unknown counts as 0."""
    number = _number(value)
    return 0 if number is None else number


def _flag(value: Any) -> bool | None:
    """A yes/no fact; strings "true"/"false" and friends are understood."""
    if value is None or value is True or value is False:
        return value
    if isinstance(value, str):
        return _FLAG_WORDS.get(value.strip().lower())
    return bool(value)


def _ident(value: Any) -> int | None:
    """A positive int id, or None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if value > 0 else None
    if isinstance(value, str) and value.strip().isdecimal():
        return _ident(int(value))
    return None


def _urls(value: Any) -> tuple[str, ...]:
    """Visited URLs as a tuple of stripped, non-blank strings."""
    if type(value) is tuple and all(map(_clean_text, value)):
        return value
    return tuple(url for url in (_text(item) for item in value or ()) if url)


def _idents(value: Any) -> frozenset[int]:
    """Ids (experiences received, segments) as a frozenset of positive ints."""
    if not value and type(value) is frozenset:
        return value
    if type(value) is frozenset and all(type(item) is int and item > 0 for item in value):
        return value
    return frozenset(ident for ident in (_ident(item) for item in value or ()) if ident)


def _answers(value: Any) -> dict[str, str]:
    """Chat answers by question key: text keys, stripped non-blank text values."""
    if type(value) is dict and not value:
        return value
    if not isinstance(value, Mapping):
        return {}
    cleaned = {str(key): _text(answer) for key, answer in value.items()
               if isinstance(answer, str)}
    return {key: answer for key, answer in cleaned.items() if answer}


_FLAG_WORDS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
_TEXT_FACTS = (
    "current_url", "referrer", "utm_source", "utm_medium", "utm_campaign", "utm_term",
    "utm_content", "email", "name", "company_name", "company_domain", "industry",
    "revenue_band", "country", "abm_tier", "lifecycle_stage", "account_type",
    "answered_company_size", "answered_industry",
)
_OTHER_CLEANERS: tuple[tuple[str, Callable[[Any], Any]], ...] = (
    *((name, _count) for name in ("page_count", "time_on_site_seconds", "sessions")),
    *((name, _number) for name in ("employees", "lead_score")),
    *((name, _flag) for name in ("is_target_account", "is_contact", "is_lead", "owner_known")),
    ("experience_id", _ident),
    ("stream_id", _ident),
    ("visited_urls", _urls),
    ("experiences_received", _idents),
    ("segment_ids", _idents),
    ("chat_answers", _answers),
)
_INIT_FIELDS = frozenset(f.name for f in dataclasses.fields(VisitorFacts) if f.init)
