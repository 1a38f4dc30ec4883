"""One validated condition turned into a fast predicate over VisitorFacts.

Values are prepared once here (lowercased, URL tests built, sets for lists) so that
evaluating a condition costs an attribute read and one comparison.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any

from liveapp.domain.facts import VisitorFacts
from liveapp.domain.fields import Field, FieldType, Op
from liveapp.domain.urls import url_test

Predicate = Callable[[VisitorFacts], bool]
Getter = Callable[[VisitorFacts], Any]

_URL_KINDS = {
    Op.EQUALS: "equals",
    Op.CONTAINS: "contains",
    Op.STARTS_WITH: "starts_with",
    Op.URL_MATCHES: "wildcard",
}
_COLLECTIONS = (FieldType.URL_LIST, FieldType.ID_LIST)


def condition(field: Field, op: Op, value: Any, question: str | None = None) -> Predicate:
    """The predicate for ``field op value`` (of the answer to `question` for a field asked
    per question); value as Criteria.from_dict() leaves it."""
    get = _answer_to(question) if field.per_question else attrgetter(field.key)
    if op is Op.NOT_EQUALS:
        return _negate(condition(field, Op.EQUALS, value, question))
    if op is Op.IS_NOT_SET:
        return _negate(condition(field, Op.IS_SET, value, question))
    if op is Op.IS_SET:
        return _is_set(get, field.type)
    return _BUILDERS[field.type](get, op, value)


def _answer_to(question: str | None) -> Getter:
    """The visitor's answer to one chat flow question (None: never answered)."""
    return lambda facts: facts.chat_answers.get(question)


def _negate(test: Predicate) -> Predicate:
    """The opposite test."""
    return lambda facts: not test(facts)


def _is_set(get: Getter, kind: FieldType) -> Predicate:
    """Known: not None, and for lists not empty (facts hold no blank text)."""
    if kind in _COLLECTIONS:
        return lambda facts: bool(get(facts))
    return lambda facts: get(facts) is not None


def _text(get: Getter, op: Op, value: Any) -> Predicate:
    """Case-insensitive text tests; an unknown value fails them all."""
    if op is Op.IN_LIST:
        options = frozenset(item.strip().lower() for item in value)
        return lambda facts: (v := get(facts)) is not None and v.lower() in options
    needle = value.strip().lower()
    if op is Op.EQUALS:
        return lambda facts: (v := get(facts)) is not None and v.lower() == needle
    if op is Op.CONTAINS:
        return lambda facts: (v := get(facts)) is not None and needle in v.lower()
    if op is Op.STARTS_WITH:
        return lambda facts: (v := get(facts)) is not None and v.lower().startswith(needle)
    if op is Op.ENDS_WITH:
        return lambda facts: (v := get(facts)) is not None and v.lower().endswith(needle)
    raise ValueError(f"{op} on text")


def _url(get: Getter, op: Op, value: Any) -> Predicate:
    """URL tests per liveapp.domain.urls; an unknown URL fails them all."""
    test = url_test(_URL_KINDS[op], value)
    return lambda facts: (v := get(facts)) is not None and test(v)


def _url_list(get: Getter, op: Op, value: Any) -> Predicate:
    """True when some visited URL passes the URL test."""
    test = url_test(_URL_KINDS[op], value)

    def matches(facts: VisitorFacts) -> bool:
        for url in get(facts):  # noqa: SIM110 -- a plain loop beats any(<genexpr>) here
            if test(url):
                return True
        return False

    return matches


def _number(get: Getter, op: Op, value: Any) -> Predicate:
    """Numeric comparisons; an unknown number fails them all."""
    if op is Op.EQUALS:
        return lambda facts: (v := get(facts)) is not None and v == value
    if op is Op.GREATER_THAN:
        return lambda facts: (v := get(facts)) is not None and v > value
    if op is Op.LESS_THAN:
        return lambda facts: (v := get(facts)) is not None and v < value
    raise ValueError(f"{op} on a number")


def _bool(get: Getter, op: Op, value: Any) -> Predicate:
    """Yes/no equality; unknown is neither yes nor no."""
    return lambda facts: (v := get(facts)) is not None and bool(v) is value


def _id(get: Getter, op: Op, value: Any) -> Predicate:
    """An experience id is (one of) the given ids."""
    if op is Op.IN_LIST:
        options = frozenset(value)
        return lambda facts: get(facts) in options
    return lambda facts: get(facts) == value


def _id_list(get: Getter, op: Op, value: Any) -> Predicate:
    """Holds this id (received this experience, is in this segment: contains or equals)
    or any of these (in list)."""
    if op is Op.IN_LIST:
        options = frozenset(value)
        return lambda facts: not options.isdisjoint(get(facts))
    return lambda facts: value in get(facts)


_BUILDERS: dict[FieldType, Callable[[Getter, Op, Any], Predicate]] = {
    FieldType.TEXT: _text,
    FieldType.CHOICE: _text,
    FieldType.URL: _url,
    FieldType.URL_LIST: _url_list,
    FieldType.NUMBER: _number,
    FieldType.BOOL: _bool,
    FieldType.ID: _id,
    FieldType.ID_LIST: _id_list,
}
