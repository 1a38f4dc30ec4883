"""Canned replies: what a shortcut and a body may be, and a body filled in for a visitor.

A body names the visitor with placeholders, `{first_name}` and `{company}`; an unknown
fact falls back to words that still read well ("Hi there", "your company").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SHORTCUT_MAX = 32
BODY_MAX = 1000
SHORTCUT = re.compile(r"[A-Za-z0-9_-]+")
PLACEHOLDER = re.compile(r"\{([A-Za-z_]+)\}")
FALLBACKS = {"first_name": "there", "company": "your company"}


@dataclass(frozen=True)
class VisitorFacts:
    """What a reply may say about the visitor; None when unknown."""

    first_name: str | None = None
    company: str | None = None


def shortcut_error(shortcut: str) -> str | None:
    """Why this shortcut cannot be saved (typed after "/" in the chat box), or None."""
    if not shortcut:
        return "Give the reply a shortcut."
    if len(shortcut) > SHORTCUT_MAX:
        return f"A shortcut is at most {SHORTCUT_MAX} characters."
    if not SHORTCUT.fullmatch(shortcut):
        return "A shortcut uses letters, digits, - and _ only (no spaces)."
    return None


def body_error(body: str) -> str | None:
    """Why this body cannot be saved: empty, too long, or an unknown placeholder."""
    if not body.strip():
        return "Write the reply."
    if len(body) > BODY_MAX:
        return f"A reply is at most {BODY_MAX} characters."
    unknown = sorted({name for name in PLACEHOLDER.findall(body) if name not in FALLBACKS})
    if unknown:
        known = " and ".join(f"{{{name}}}" for name in FALLBACKS)
        return f"Unknown placeholder {{{unknown[0]}}}: use {known}."
    return None


def first_name(name: str | None) -> str | None:
    """The first word of a full name, or None for a blank one."""
    words = (name or "").split()
    return words[0] if words else None


def fill(body: str, facts: VisitorFacts) -> str:
    """The body with each placeholder replaced by the visitor's fact, or its fallback."""

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name not in FALLBACKS:
            return match.group(0)
        return (getattr(facts, name) or "").strip() or FALLBACKS[name]

    return PLACEHOLDER.sub(value, body)
