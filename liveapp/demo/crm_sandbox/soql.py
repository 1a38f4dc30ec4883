"""The SOQL subset the sandbox understands: SELECT fields (relationship paths too) FROM one
object [WHERE =, !=, <>, <, <=, >, >=, LIKE, IN, NOT IN, AND, OR, NOT, parentheses]
[ORDER BY field [ASC|DESC] [NULLS FIRST|LAST], ...] [LIMIT n] [OFFSET n].

Text comparisons are case-insensitive as in Salesforce; LIKE knows ``%``, ``_`` and the
``\\%`` / ``\\_`` escapes that ``format_soql``'s ``:like`` produces.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

Resolve = Callable[[dict[str, Any], str], Any]


class SoqlError(ValueError):
    """The query is not valid SOQL (answered as MALFORMED_QUERY)."""


_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<string>'(?:[^'\\]|\\.)*')
  | (?P<datetime>\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?)
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<op><=|>=|!=|<>|=|<|>)
  | (?P<punct>[(),])
""", re.VERBOSE)
_ESCAPES = {"\\": "\\", "'": "'", '"': '"', "n": "\n", "r": "\r", "t": "\t", "b": "\b",
            "f": "\f"}
KEYWORDS = frozenset({"select", "from", "where", "and", "or", "not", "in", "like", "order",
                      "by", "asc", "desc", "nulls", "first", "last", "limit", "offset",
                      "true", "false", "null"})


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    value: Any = None
    like: str | None = None  # a string's LIKE pattern


@dataclass(frozen=True)
class Compare:
    field: str
    op: str
    value: Any


@dataclass(frozen=True)
class Like:
    field: str
    pattern: str


@dataclass(frozen=True)
class In:
    field: str
    values: tuple[Any, ...]
    negate: bool = False


@dataclass(frozen=True)
class BoolOp:
    op: str  # "and" | "or"
    parts: tuple[Any, ...]


@dataclass(frozen=True)
class Not:
    part: Any


@dataclass(frozen=True)
class OrderBy:
    field: str
    descending: bool = False
    nulls_last: bool = False


@dataclass(frozen=True)
class Query:
    fields: tuple[str, ...]
    sobject: str
    where: Any = None
    order_by: tuple[OrderBy, ...] = field(default_factory=tuple)
    limit: int | None = None
    offset: int = 0


def _unquote(literal: str) -> tuple[str, str]:
    """The string's value, and its LIKE pattern (where ``\\%``, ``\\_`` and ``\\\\`` stay
    escaped, so a literal backslash never turns into an escape)."""
    value, pattern, i, body = [], [], 0, literal[1:-1]
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            nxt = body[i + 1]
            if nxt in "%_":  # only LIKE gives these a meaning: a literal % or _
                value.append("\\" + nxt)
                pattern.append("\\" + nxt)
            elif nxt in _ESCAPES:
                value.append(_ESCAPES[nxt])
                pattern.append("\\\\" if nxt == "\\" else _ESCAPES[nxt])
            else:
                raise SoqlError(f"invalid escape sequence \\{nxt}")
            i += 2
            continue
        value.append(ch)
        pattern.append(ch)
        i += 1
    return "".join(value), "".join(pattern)


def tokenize(text: str) -> list[Token]:
    tokens, pos = [], 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            raise SoqlError(f"unexpected character at {pos}: {text[pos:pos + 10]!r}")
        pos = match.end()
        kind = match.lastgroup or ""
        raw = match.group()
        if kind == "ws":
            continue
        if kind == "string":
            value, like = _unquote(raw)
            tokens.append(Token("value", raw, value, like))
        elif kind == "datetime":
            tokens.append(Token("value", raw, raw))
        elif kind == "number":
            tokens.append(Token("value", raw, float(raw) if "." in raw else int(raw)))
        elif kind == "ident" and raw.lower() in ("true", "false", "null"):
            tokens.append(Token("value", raw, {"true": True, "false": False}.get(raw.lower())))
        elif kind == "ident" and raw.lower() in KEYWORDS:
            tokens.append(Token("kw", raw.lower()))
        else:
            tokens.append(Token(kind, raw))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.pos = 0

    def peek(self, kind: str, text: str | None = None) -> bool:
        if self.pos >= len(self.tokens):
            return False
        token = self.tokens[self.pos]
        return token.kind == kind and (text is None or token.text == text)

    def take(self, kind: str, text: str | None = None) -> Token:
        if not self.peek(kind, text):
            found = self.tokens[self.pos].text if self.pos < len(self.tokens) else "end of query"
            raise SoqlError(f"expected {text or kind}, found {found!r}")
        self.pos += 1
        return self.tokens[self.pos - 1]

    def query(self) -> Query:
        self.take("kw", "select")
        fields = [self.take("ident").text]
        while self.peek("punct", ","):
            self.take("punct")
            fields.append(self.take("ident").text)
        self.take("kw", "from")
        sobject = self.take("ident").text
        where = self.condition() if self._accept("where") else None
        order = self.order_by() if self._accept("order") else ()
        limit = self._int() if self._accept("limit") else None
        offset = self._int() if self._accept("offset") else 0
        if self.pos != len(self.tokens):
            raise SoqlError(f"unexpected token {self.tokens[self.pos].text!r}")
        return Query(tuple(fields), sobject, where, tuple(order), limit, offset)

    def _accept(self, keyword: str) -> bool:
        if self.peek("kw", keyword):
            self.pos += 1
            return True
        return False

    def _int(self) -> int:
        value = self.take("value").value
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise SoqlError("expected a non-negative integer")
        return value

    def order_by(self) -> list[OrderBy]:
        self.take("kw", "by")
        items = [self._order_item()]
        while self.peek("punct", ","):
            self.take("punct")
            items.append(self._order_item())
        return items

    def _order_item(self) -> OrderBy:
        name = self.take("ident").text
        descending = self._accept("desc") or (self._accept("asc") and False)
        nulls_last = descending
        if self._accept("nulls"):
            nulls_last = self._accept("last") or not self.take("kw", "first")
        return OrderBy(name, descending, nulls_last)

    def condition(self) -> Any:
        parts = [self.conjunction()]
        while self._accept("or"):
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else BoolOp("or", tuple(parts))

    def conjunction(self) -> Any:
        parts = [self.negation()]
        while self._accept("and"):
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else BoolOp("and", tuple(parts))

    def negation(self) -> Any:
        if self._accept("not"):
            return Not(self.negation())
        if self.peek("punct", "("):
            self.take("punct")
            inner = self.condition()
            self.take("punct", ")")
            return inner
        return self.comparison()

    def comparison(self) -> Any:
        name = self.take("ident").text
        if self._accept("like"):
            pattern = self.take("value").like
            if pattern is None:
                raise SoqlError("LIKE needs a string")
            return Like(name, pattern)
        negate = self._accept("not")
        if self._accept("in"):
            return In(name, self._values(), negate)
        if negate:
            raise SoqlError("expected IN after NOT")
        op = self.take("op").text
        return Compare(name, "!=" if op == "<>" else op, self.take("value").value)

    def _values(self) -> tuple[Any, ...]:
        self.take("punct", "(")
        values = [self.take("value").value]
        while self.peek("punct", ","):
            self.take("punct")
            values.append(self.take("value").value)
        self.take("punct", ")")
        return tuple(values)


def parse(text: str) -> Query:
    """Parse a SOQL query of the supported subset; raises SoqlError."""
    return _Parser(text).query()


@functools.lru_cache(maxsize=256)
def like_regex(pattern: str) -> re.Pattern[str]:
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
        i += 1
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


def _fold(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _compare(left: Any, op: str, right: Any) -> bool:
    if right is None or left is None:
        return (left is None) == (right is None) if op == "=" else (
            (left is None) != (right is None) if op == "!=" else False)
    left, right = _fold(left), _fold(right)
    try:
        return {"=": left == right, "!=": left != right}[op] if op in ("=", "!=") else {
            "<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right,
        }[op]
    except TypeError:
        return False


def matches(node: Any, record: dict[str, Any], resolve: Resolve) -> bool:
    """Whether a record satisfies a WHERE tree."""
    if node is None:
        return True
    if isinstance(node, BoolOp):
        check = all if node.op == "and" else any
        return check(matches(part, record, resolve) for part in node.parts)
    if isinstance(node, Not):
        return not matches(node.part, record, resolve)
    value = resolve(record, node.field)
    if isinstance(node, Like):
        return isinstance(value, str) and bool(like_regex(node.pattern).fullmatch(value))
    if isinstance(node, In):
        found = any(_compare(value, "=", v) for v in node.values)
        return found != node.negate
    return _compare(value, node.op, node.value)


def _sort_key(value: Any, nulls_last: bool) -> tuple[int, Any]:
    if value is None:
        return (1 if nulls_last else -1, "")
    return (0, _fold(value) if not isinstance(value, bool) else int(value))


def run(query: Query, records: Iterable[dict[str, Any]], resolve: Resolve) -> list[dict]:
    """The records a query selects, ordered, offset and limited (fields not projected)."""
    rows = [r for r in records if matches(query.where, r, resolve)]
    for order in reversed(query.order_by):
        rows.sort(key=lambda r, o=order: _sort_key(resolve(r, o.field), o.nulls_last
                                                   != o.descending), reverse=order.descending)
    rows = rows[query.offset:]
    return rows if query.limit is None else rows[:query.limit]
