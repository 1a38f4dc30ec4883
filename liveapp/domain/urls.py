"""How a URL condition compares URLs; shared by segment criteria and experience targeting.

The rules, as admins should read them:

- Comparison ignores case and the fragment (``#...``).
- *contains* and *starts with* look at the whole URL, query string included.
- *equals* and *wildcard* compare the page's address without its query string, unless
  the value itself has a ``?``; they ignore one trailing ``/``, and they ignore the
  scheme (``https://``) unless the value has one. So ``acme.com/pricing`` equals
  ``https://ACME.com/pricing/?utm_source=ads``.
- In a wildcard, ``*`` stands for any run of characters (``/`` included, or nothing);
  every other character, ``?`` included, is literal. ``*/pricing*`` matches every URL
  with ``/pricing`` in its path. A pattern with regular-expression syntax
  (``\\ ^ $ | ( ) [ ] { }``, a leading ``.*``) or spaces is refused when saved
  (wildcard_error): it would match nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

UrlTest = Callable[[str], bool]

# Indexes into url_forms(): which view of a URL a value is compared with.
WHOLE = 0
WITH_QUERY = 1
WITH_QUERY_NO_SCHEME = 2
BARE_WITH_SCHEME = 3
BARE = 4

MAX_SCHEME = 10


def _drop_scheme(url: str) -> str:
    """The URL without a leading ``scheme://``."""
    index = url.find("://")
    if 0 < index <= MAX_SCHEME and url[:index].isalpha():
        return url[index + 3:]
    return url


def _trim(url: str) -> str:
    """The URL without one trailing slash."""
    return url[:-1] if url.endswith("/") else url


@lru_cache(maxsize=16384)
def url_forms(url: str) -> tuple[str, str, str, str, str]:
    """The five lowercased views of a URL that conditions compare with (see WHOLE..BARE)."""
    whole = url.strip().lower().split("#", 1)[0]
    bare = whole.split("?", 1)[0]
    return (
        whole,
        _trim(whole),
        _trim(_drop_scheme(whole)),
        _trim(bare),
        _trim(_drop_scheme(bare)),
    )


def form_for(value: str) -> int:
    """Which view of a page URL an equals/wildcard value is compared with."""
    has_query = "?" in value
    has_scheme = "://" in value
    if has_query:
        return WITH_QUERY if has_scheme else WITH_QUERY_NO_SCHEME
    return BARE_WITH_SCHEME if has_scheme else BARE


def normalise_value(value: str) -> str:
    """A URL value as it is compared: lowercased, no fragment, one trailing slash dropped."""
    return _trim(value.strip().lower().split("#", 1)[0])


# Regular-expression syntax that a wildcard would take literally: a URL holding it is so
# rare that a pattern with it is a regex mistaken for a wildcard, and matches nothing.
REGEX_SIGNS = frozenset("\\^$|()[]{}")
REGEX_STARTS = (".*", ".+")


def wildcard_error(pattern: str) -> str | None:
    """Why `pattern` cannot work as a wildcard (regex syntax, spaces), or None."""
    text = pattern.strip()
    signs = sorted(REGEX_SIGNS.intersection(text))
    if signs or text.startswith(REGEX_STARTS) or ".+" in text:
        shown = " ".join(signs) or (text[:2] if text.startswith(REGEX_STARTS) else ".+")
        return (f"takes a wildcard, not a regular expression ({shown}): only * is special, "
                "standing for any characters, e.g. */pricing*")
    if any(char.isspace() for char in text):
        return "takes no spaces (a URL has none): use * for any characters, e.g. */pricing*"
    return None


def wildcard_test(pattern: str) -> Callable[[str], bool]:
    """A test of a normalised string against a ``*`` wildcard, linear in the URL's length.

    Built on str.find rather than a regex so that patterns with many stars cannot
    backtrack catastrophically on long URLs.
    """
    parts = pattern.split("*")
    if len(parts) == 1:
        return pattern.__eq__
    head, *middle, tail = parts
    middle = [part for part in middle if part]
    if not middle:
        return _ends_test(head, tail)
    if not head and not tail and len(middle) == 1:
        needle = middle[0]
        return lambda text: needle in text
    return _general_test(head, tuple(middle), tail)


def _ends_test(head: str, tail: str) -> Callable[[str], bool]:
    """A wildcard with only a fixed start and end."""
    if not tail:
        return lambda text: text.startswith(head)
    if not head:
        return lambda text: text.endswith(tail)
    size = len(head) + len(tail)
    return lambda text: len(text) >= size and text.startswith(head) and text.endswith(tail)


def _general_test(head: str, middle: tuple[str, ...], tail: str) -> Callable[[str], bool]:
    """A wildcard with literal pieces between stars, matched leftmost-first."""

    def test(text: str) -> bool:
        if not text.startswith(head):
            return False
        end = len(text) - len(tail)
        if end < len(head) or not text.endswith(tail):
            return False
        position = len(head)
        for part in middle:
            found = text.find(part, position, end)
            if found < 0:
                return False
            position = found + len(part)
        return True

    return test


def url_test(kind: str, value: str) -> UrlTest:
    """A test of a raw page URL: kind is equals, contains, starts_with or wildcard."""
    if kind == "contains":
        needle = value.strip().lower()
        return lambda url: needle in url_forms(url)[WHOLE]
    if kind == "starts_with":
        prefix = value.strip().lower()
        return lambda url: url_forms(url)[WHOLE].startswith(prefix)
    form = form_for(value.strip())
    canonical = normalise_value(value)
    if kind == "equals":
        return lambda url: url_forms(url)[form] == canonical
    if kind == "wildcard":
        matches = wildcard_test(_wildcard_value(value))
        return lambda url: matches(url_forms(url)[form])
    raise ValueError(f"unknown URL comparison {kind!r}")


def _wildcard_value(pattern: str) -> str:
    """A wildcard pattern as compared: like a URL value, with runs of stars collapsed."""
    lowered = pattern.strip().lower().split("#", 1)[0]
    while "**" in lowered:
        lowered = lowered.replace("**", "*")
    return lowered if lowered.endswith("*") else _trim(lowered)
