"""Segment (and routing rule) criteria: conditions ``field operator value`` joined by all/any.

Criteria travel as JSON-safe dicts::

    {"match": "all" | "any", "conditions": [{"field", "operator", "value"}, ...]}

validate() names every problem; Criteria.from_dict() parses what validate() accepts;
compile() turns Criteria into a fast predicate over VisitorFacts, once per saved segment.

Semantics:
- Text comparisons ignore case and surrounding spaces. URL rules: see liveapp.domain.urls.
- An unknown fact (None, empty text, no visited URL) satisfies only "is unknown" and
  "is not": *is not* is exactly the negation of *is*. Numbers and yes/no facts are known
  as soon as they are not None (0 and "no" are known).
- "Any visited URL ..." holds when at least one visited URL satisfies the test.
- No conditions: "all" matches everyone and "any" matches nobody (plain and/or over
  nothing). validate() refuses empty criteria unless allow_empty=True (routing rules
  may be catch-alls; segments may not).
- Membership ("in segment", "in stream") is for routing rules only: validate() refuses
  it unless for_routing=True, since a segment testing segments could depend on itself.
- "Chat answer" conditions also name the question (``"question": "<experience>:<step>"``);
  a question the visitor never answered is unknown.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from liveapp.domain import compiled
from liveapp.domain.facts import VisitorFacts
from liveapp.domain.fields import (
    FIELDS,
    NO_VALUE,
    OPERATOR_LABELS,
    Field,
    FieldType,
    Op,
    field_groups,
    operators_for,
    value_kind,
)
from liveapp.domain.urls import normalise_value, wildcard_error

__all__ = [
    "Condition", "Criteria", "InvalidCriteria", "Names", "Predicate", "compile", "describe",
    "field_groups", "operators_for", "validate", "value_kind",
]

Value = str | int | float | bool | tuple[str, ...] | tuple[int, ...] | None
Predicate = Callable[[VisitorFacts], bool]
Names = Mapping[str, Mapping[Any, str]]  # for describe(): names of ids by kind

MATCHES = ("all", "any")
MAX_CONDITIONS = 50
MAX_TEXT = 500
MAX_LIST = 1000
URL_TYPES = (FieldType.URL, FieldType.URL_LIST)
WHOLE_URL_OPS = (Op.EQUALS, Op.URL_MATCHES)
OPERATOR_NAMES = frozenset(op.value for op in Op)
MAX_QUOTED = 40
QUESTION_KEY = re.compile(r"^[1-9][0-9]{0,9}:[0-9]{1,2}$")


class InvalidCriteria(ValueError):
    """Criteria that validate() refused; .errors lists every problem."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


class _Bad(Exception):
    """One condition's problem, as shown to the admin."""


@dataclass(frozen=True, slots=True)
class Condition:
    """One ``field operator value`` test, with its value already validated."""

    field: str
    operator: str
    value: Value = None
    question: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The condition as JSON-safe data."""
        value = list(self.value) if isinstance(self.value, tuple) else self.value
        data = {"field": self.field, "operator": self.operator, "value": value}
        if self.question is not None:
            data["question"] = self.question
        return data


@dataclass(frozen=True, slots=True)
class Criteria:
    """Validated conditions and how they combine."""

    match: str = "all"
    conditions: tuple[Condition, ...] = ()

    @classmethod
    def from_dict(cls, data: Any, *, allow_empty: bool = False,
                  for_routing: bool = False) -> Criteria:
        """Parse JSON-safe criteria, raising InvalidCriteria with every problem."""
        errors = validate(data, allow_empty=allow_empty, for_routing=for_routing)
        if errors:
            raise InvalidCriteria(errors)
        conditions = tuple(_parse_condition(raw, for_routing)
                           for raw in data.get("conditions") or ())
        return cls(match=data.get("match", "all"), conditions=conditions)

    def to_dict(self) -> dict[str, Any]:
        """The criteria as JSON-safe data, as from_dict() reads it."""
        return {"match": self.match, "conditions": [c.to_dict() for c in self.conditions]}


# ---------------------------------------------------------------- validation


def validate(data: Any, *, allow_empty: bool = False, for_routing: bool = False) -> list[str]:
    """Every problem with JSON-safe criteria, each naming its condition; [] when valid.

    Args:
        data: criteria as JSON-safe data.
        allow_empty: no conditions is valid (a routing rule's catch-all).
        for_routing: the criteria are a routing rule's, which may test membership.
    """
    if not isinstance(data, Mapping):
        return ["criteria must be an object with match and conditions"]
    errors = []
    if data.get("match", "all") not in MATCHES:
        errors.append("match must be 'all' or 'any'")
    conditions = data.get("conditions")
    if conditions is None:
        conditions = []
    if not isinstance(conditions, list | tuple):
        return [*errors, "conditions must be a list"]
    if not conditions and not allow_empty:
        errors.append("add at least one condition")
    if len(conditions) > MAX_CONDITIONS:
        errors.append(f"at most {MAX_CONDITIONS} conditions")
    for number, raw in enumerate(conditions, start=1):
        try:
            _parse_condition(raw, for_routing)
        except _Bad as problem:
            errors.append(f"condition {number}: {problem}")
    return errors


def unmatchable(data: Any) -> list[str]:
    """Conditions of valid criteria that could never match, e.g. a regex given to
    "matches"; checked when criteria are saved (saved ones keep loading)."""
    errors = []
    for number, raw in enumerate(data.get("conditions") or (), start=1):
        problem = (wildcard_error(raw["value"])
                   if raw.get("operator") == Op.URL_MATCHES.value else None)
        if problem:
            errors.append(f'condition {number}: {FIELDS[raw["field"]].label}: "matches" {problem}')
    return errors


def _parse_condition(raw: Any, for_routing: bool) -> Condition:
    """A Condition from JSON-safe data, or _Bad naming what is wrong."""
    if not isinstance(raw, Mapping):
        raise _Bad("must be an object with field, operator and value")
    field = _field(raw.get("field"))
    if field.for_routing and not for_routing:
        raise _Bad(f"{field.label} can be used in routing rules only, not in segments")
    question = _question(field, raw.get("question"))
    operator = _operator(field, raw.get("operator"))
    value = _value(field, operator, raw.get("value"))
    return Condition(field.key, operator.value, value, question)


def _field(key: Any) -> Field:
    """The catalogue field named by key."""
    if key is None or key == "":
        raise _Bad("choose a field")
    field = FIELDS.get(key) if isinstance(key, str) else None
    if field is None:
        raise _Bad(f"unknown field '{_short(key)}'")
    return field


def _question(field: Field, key: Any) -> str | None:
    """The question a per-question field asks about (None for the other fields)."""
    if not field.per_question:
        return None
    if not isinstance(key, str) or not QUESTION_KEY.match(key):
        raise _Bad(f"{field.label}: choose a question")
    return key


def _short(value: Any) -> str:
    """Junk from a request, cut short enough to quote in an error."""
    text = str(value)
    return text if len(text) <= MAX_QUOTED else text[:MAX_QUOTED] + "…"


def _operator(field: Field, name: Any) -> Op:
    """The operator named by name, if the field allows it."""
    if name is None or name == "":
        raise _Bad(f"choose an operator for {field.label}")
    if not isinstance(name, str) or name not in OPERATOR_NAMES:
        raise _Bad(f"unknown operator '{_short(name)}'")
    operator = Op(name)
    if operator not in field.operators:
        raise _Bad(f"'{operator.value}' is not an operator for {field.label}")
    return operator


def _value(field: Field, operator: Op, value: Any) -> Value:
    """The condition's value, checked against the field's type and the operator."""
    if operator in NO_VALUE:
        return None
    if operator is Op.IN_LIST:
        return _list_value(field, value)
    result = _one_value(field, value)
    if field.type in URL_TYPES and operator in WHOLE_URL_OPS and not normalise_value(result):
        raise _Bad(f"{field.label} needs a URL")
    return result


def _one_value(field: Field, value: Any) -> Value:
    """A single value of the field's type."""
    kind = field.type
    if kind is FieldType.NUMBER:
        if not _is_number(value):
            raise _Bad(f"{field.label} needs a number")
        return value
    if kind is FieldType.BOOL:
        if not isinstance(value, bool):
            raise _Bad(f"{field.label} needs yes or no")
        return value
    if kind in (FieldType.ID, FieldType.ID_LIST):
        if not _is_id(value):
            raise _Bad(f"{field.label} needs {_a(field.refers_to)}")
        return value
    if kind is FieldType.CHOICE:
        return _choice(field, value)
    return _text(field, value)


def _list_value(field: Field, value: Any) -> tuple:
    """A non-empty list of single values."""
    if not isinstance(value, list | tuple) or not value:
        raise _Bad(f"{field.label} needs a list of values")
    if len(value) > MAX_LIST:
        raise _Bad(f"{field.label}: at most {MAX_LIST} values")
    return tuple(dict.fromkeys(_one_value(field, item) for item in value))


def _text(field: Field, value: Any) -> str:
    """A non-empty, not too long text value, stripped."""
    if not isinstance(value, str) or not value.strip():
        raise _Bad(f"{field.label} needs a value")
    if len(value) > MAX_TEXT:
        raise _Bad(f"{field.label}: at most {MAX_TEXT} characters")
    return value.strip()


def _choice(field: Field, value: Any) -> str:
    """One of the field's choices, in its canonical spelling."""
    wanted = value.strip().lower() if isinstance(value, str) else None
    for choice in field.choices:
        if choice.lower() == wanted:
            return choice
    raise _Bad(f"{field.label} must be one of: {', '.join(field.choices)}")


def _a(noun: str) -> str:
    """The noun with its indefinite article."""
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def _is_number(value: Any) -> bool:
    """A finite int or float, not a bool."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value)


def _is_id(value: Any) -> bool:
    """A positive integer id."""
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


# ---------------------------------------------------------------- compilation


def compile(criteria: Criteria | Mapping[str, Any]) -> Predicate:  # shadows the builtin, on purpose
    """A predicate over VisitorFacts, built once per saved criteria (validated when saved:
    which fields the criteria's owner may test is not checked again here)."""
    if not isinstance(criteria, Criteria):
        criteria = Criteria.from_dict(criteria, allow_empty=True, for_routing=True)
    tests = tuple(_compile_condition(c) for c in criteria.conditions)
    if len(tests) == 1:
        return tests[0]
    return _any_of(tests) if criteria.match == "any" else _all_of(tests)


def _all_of(tests: tuple[Predicate, ...]) -> Predicate:
    """True when every test holds (so for no tests at all)."""

    def matches(facts: VisitorFacts) -> bool:
        # A plain loop: any()/all() over a generator costs twice as much per segment.
        for test in tests:  # noqa: SIM110
            if not test(facts):
                return False
        return True

    return matches


def _any_of(tests: tuple[Predicate, ...]) -> Predicate:
    """True when some test holds (so never for no tests)."""

    def matches(facts: VisitorFacts) -> bool:
        for test in tests:  # noqa: SIM110
            if test(facts):
                return True
        return False

    return matches


def _compile_condition(condition: Condition) -> Predicate:
    """One condition as a predicate over VisitorFacts."""
    field = FIELDS[condition.field]
    return compiled.condition(field, Op(condition.operator), condition.value, condition.question)


# ---------------------------------------------------------------- describe


def describe(criteria: Criteria, names: Names | None = None) -> str:
    """Criteria as a sentence: "Email domain ends with acme.com and Pages viewed > 3".

    Args:
        criteria: validated criteria.
        names: what ids and question keys stand for, by kind: {"experience": {7: "Pricing
            Page"}, "segment": {...}, "stream": {...}, "question": {"7:2": "..."}}.
    """
    if not criteria.conditions:
        return "Everyone" if criteria.match == "all" else "Nobody"
    joiner = " and " if criteria.match == "all" else " or "
    return joiner.join(_describe_condition(c, names or {}) for c in criteria.conditions)


_SYMBOLS = {Op.GREATER_THAN: ">", Op.LESS_THAN: "<"}


def _describe_condition(condition: Condition, names: Names) -> str:
    """One condition as words."""
    field = FIELDS[condition.field]
    operator = Op(condition.operator)
    verb = _SYMBOLS.get(operator) or OPERATOR_LABELS[operator]
    subject = field.label
    if condition.question is not None:
        asked = names.get("question", {}).get(condition.question, condition.question)
        subject = f"{field.label} to “{asked}”"
    if operator in NO_VALUE:
        return f"{subject} {verb}"
    return f"{subject} {verb} {_describe_value(field, condition.value, names)}"


def _describe_value(field: Field, value: Value, names: Names) -> str:
    """A condition's value as words."""
    if isinstance(value, tuple):
        return ", ".join(_describe_value(field, item, names) for item in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if field.refers_to:
        return names.get(field.refers_to, {}).get(value, f"#{value}")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
