"""Salesforce record ids (user ids among them): validation and the canonical form.

An id is 15 characters, case-sensitive (what Salesforce shows in its URLs), or 18: the
same 15 plus 3 characters that encode where the 15 have upper-case letters, so the id
survives case-insensitive tools (the REST API answers 18). Both forms name one record, so
ids are compared in their 18-character form, exactly: never truncated, never case-folded.
"""

from __future__ import annotations

import re

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
    text = value.strip()
    if not _CHARACTERS.fullmatch(text):
        return "A Salesforce id has only letters A-Z, a-z and digits."
    if len(text) not in (SHORT_LENGTH, LONG_LENGTH):
        return f"A Salesforce id is 15 or 18 characters; this one has {len(text)}."
    if len(text) == LONG_LENGTH and text[SHORT_LENGTH:] != checksum(text[:SHORT_LENGTH]):
        # A wrong suffix means a mistyped or case-mangled id: guessing would pick the
        # wrong user, so it is refused.
        return ("The last 3 characters of an 18-character Salesforce id check the case of "
                f"the first 15; they should be {checksum(text[:SHORT_LENGTH])} here. "
                "Copy the id again exactly.")
    return None


def canonical(value: str) -> str:
    """The 18-character form of a 15- or 18-character id; raises InvalidSalesforceId."""
    error = id_error(value)
    if error is not None:
        raise InvalidSalesforceId(error)
    short = value.strip()[:SHORT_LENGTH]
    return short + checksum(short)


def canonical_or_none(value: object) -> str | None:
    """The 18-character form, or None for a missing or invalid id (which matches nobody)."""
    if not isinstance(value, str) or id_error(value) is not None:
        return None
    return canonical(value)

