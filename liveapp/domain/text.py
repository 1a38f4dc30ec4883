"""Text every input path refuses: NUL characters, which PostgreSQL cannot store in a text
column (SQLite would keep them, so the two backends would disagree). Refused, not
stripped: a visitor's or rep's words are stored as sent or not at all."""

from __future__ import annotations

NUL = "\x00"
NUL_REFUSED = "must not contain NUL characters"


def nul_field(value: object) -> str | None:
    """The dotted name of a field holding a NUL (in a string or a key) in a decoded JSON
    value, "body" for the value itself, else None. Walks without recursion."""
    pending: list[tuple[str, object]] = [("", value)]
    while pending:
        where, item = pending.pop()
        if isinstance(item, str) and NUL in item:
            return where or "body"
        if isinstance(item, dict):
            for key, inner in item.items():
                if NUL in str(key):
                    return where or "body"
                pending.append((f"{where}.{key}" if where else str(key), inner))
        elif isinstance(item, list):
            pending.extend((where, inner) for inner in item)
    return None
