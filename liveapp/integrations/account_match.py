"""The Salesforce Account fuzzy-match rule, pure so it can be tested alone.

The rule, in order:
1. **Website domain**: the visitor's email domain (ignored for free-mail providers) or a
   given company domain, normalised (lowercase, no scheme, no ``www.``, no port or path),
   equals the normalised domain of an Account's ``Website``.
2. **Company name**: the company name, normalised (lowercase, accents and punctuation
   removed, legal suffixes such as Inc, LLC, Ltd, GmbH, Corp dropped), equals the
   normalised ``Name`` of an Account.
Several Accounts matching by the same rule: the most recently modified wins
(``LastModifiedDate``), then the smallest Id, so the answer is deterministic.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

LEGAL_SUFFIXES = frozenset({
    "inc", "incorporated", "llc", "llp", "lp", "ltd", "limited", "gmbh", "corp",
    "corporation", "co", "company", "plc", "sa", "sas", "sarl", "ag", "bv", "nv", "oy",
    "ab", "as", "srl", "spa", "pty", "kk", "the",
})
FREE_MAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "yahoo.com", "hotmail.com", "outlook.com", "live.com",
    "aol.com", "icloud.com", "me.com", "proton.me", "protonmail.com", "gmx.com", "gmx.de",
    "web.de", "mail.com", "yandex.com", "zoho.com", "fastmail.com",
})
_NON_WORD = re.compile(r"[^a-z0-9]+")


def normalise_domain(value: str | None) -> str | None:
    """``https://WWW.Acme.test:443/about`` -> ``acme.test``; None for nothing usable."""
    if not value:
        return None
    text = value.strip().lower()
    if "@" in text:
        text = text.rsplit("@", 1)[1]
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text)
    text = re.split(r"[/?#]", text, maxsplit=1)[0].split(":", 1)[0].strip(".")
    text = text.removeprefix("www.")
    return text if "." in text and " " not in text else None


def email_domain(email: str | None) -> str | None:
    """The email's domain, or None for free-mail providers (they name no company)."""
    domain = normalise_domain(email) if email and "@" in email else None
    return None if domain in FREE_MAIL_DOMAINS else domain


def normalise_company(value: str | None) -> str | None:
    """``"Acme, Inc."`` -> ``"acme"``; ``"Müller GmbH"`` -> ``"muller"``."""
    if not value:
        return None
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    words = [w for w in _NON_WORD.split(ascii_text.lower()) if w]
    while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
        words.pop()
    while len(words) > 1 and words[0] == "the":
        words.pop(0)
    return " ".join(words) or None


def name_search_token(company: str | None) -> str | None:
    """The word the SOQL candidate query searches for (the longest normalised word)."""
    name = normalise_company(company)
    return max(name.split(" "), key=len) if name else None


def _newest(records: list[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    if not records:
        return None
    by_id = sorted(records, key=lambda r: str(r.get("Id") or ""))
    return max(by_id, key=lambda r: str(r.get("LastModifiedDate") or ""))


def pick_account(
    candidates: Iterable[Mapping[str, Any]], domain: str | None, company: str | None
) -> tuple[Mapping[str, Any], str] | None:
    """The Account record the rule picks among candidates, and the rule that matched."""
    records = list(candidates)
    wanted_domain = normalise_domain(domain)
    if wanted_domain:
        hits = [r for r in records if normalise_domain(r.get("Website")) == wanted_domain]
        if hits:
            return _newest(hits), "website_domain"
    wanted_name = normalise_company(company)
    if wanted_name:
        hits = [r for r in records if normalise_company(r.get("Name")) == wanted_name]
        if hits:
            return _newest(hits), "company_name"
    return None
