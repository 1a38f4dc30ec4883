"""Salesforce record ids (user ids among them): validation and the canonical form.

An id is 15 characters, case-sensitive (what Salesforce shows in its URLs), or 18: the
same 15 plus 3 characters that encode where the 15 have upper-case letters, so the id
survives case-insensitive tools (the REST API answers 18). Both forms name one record, so
ids are compared in their 18-character form, exactly: never truncated, never case-folded.
"""

from __future__ import annotations

import re
from functools import lru_cache

SHORT_LENGTH = 15
LONG_LENGTH = 18
CHUNK = 5
CHECKSUM_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_CHARACTERS = re.compile(r"[A-Za-z0-9]+")


class InvalidSalesforceId(ValueError):
    """Not a Salesforce id; the message says why, for a person to read."""


def checksum(short_id: str) -> str:
    """The 3-character suffix of a 15-character id: per 5-character chunk, bit i is
    set when character i is an upper-case A-Z, and the 5 bits pick one character."""
    suffix = []
    for start in range(0, SHORT_LENGTH, CHUNK):
        chunk = short_id[start:start + CHUNK]
        bits = sum(1 << i for i, char in enumerate(chunk) if "A" <= char <= "Z")
        suffix.append(CHECKSUM_ALPHABET[bits])
    return "".join(suffix)


def id_error(value: str) -> str | None:
    """Why ``value`` is not a Salesforce id, or None when it is one."""
    return _checked(value)[1]


def canonical(value: str) -> str:
    """The 18-character form of a 15- or 18-character id; raises InvalidSalesforceId."""
    long, error = _checked(value)
    if long is None:
        raise InvalidSalesforceId(error)
    return long


def canonical_or_none(value: object) -> str | None:
    """The 18-character form, or None for a missing or invalid id (which matches nobody)."""
    return _checked(value)[0] if isinstance(value, str) else None


# Routing canonicalises every rep's id for each decision: the same few ids, many times.
@lru_cache(maxsize=8192)
def _checked(value: str) -> tuple[str | None, str | None]:
    """(the 18-character form, None) for an id, else (None, why it is not one)."""
    text = value.strip()
    if not _CHARACTERS.fullmatch(text):
        return None, "A Salesforce id has only letters A-Z, a-z and digits."
    if len(text) not in (SHORT_LENGTH, LONG_LENGTH):
        return None, f"A Salesforce id is 15 or 18 characters; this one has {len(text)}."
    short = text[:SHORT_LENGTH]
    long = short + checksum(short)
    if len(text) == LONG_LENGTH and text != long:
        # A wrong suffix means a mistyped or case-mangled id: guessing would pick the
        # wrong user, so it is refused.
        return None, ("The last 3 characters of an 18-character Salesforce id check the case "
                      f"of the first 15; they should be {long[SHORT_LENGTH:]} here. "
                      "Copy the id again exactly.")
    return long, None
