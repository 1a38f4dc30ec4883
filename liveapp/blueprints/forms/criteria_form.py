"""Criteria as an htmx form builds them: numbered condition rows in, criteria dicts out."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from liveapp.domain import criteria as domain
from liveapp.domain.fields import FIELDS

ROW_KEY = re.compile(r"^conditions-(\d{1,3})-field$")
CONDITION_ERROR = re.compile(r"^condition (\d+): (.*)$")


@dataclass
class Row:
    """One condition row as the form shows it: raw values and its own errors."""

    index: int
    field: str = ""
    operator: str = ""
    value: object = None
    question: str = ""  # for a per-question field (Chat answer): "<experience>:<step>"
    errors: list[str] = dataclasses.field(default_factory=list)

    @property
    def per_question(self) -> bool:
        field = FIELDS.get(self.field)
        return field is not None and field.per_question

    @property
    def operators(self) -> list[tuple[str, str]]:
        return domain.operators_for(self.field)

    @property
    def value_kind(self) -> str:
        return domain.value_kind(self.field, self.operator)

    @property
    def values(self) -> list[str]:
        """The value as a list of strings (for multi-selects and lists)."""
        if self.value is None:
            return []
        if isinstance(self.value, list | tuple):
            return [str(v) for v in self.value]
        return [str(self.value)]

    @property
    def text(self) -> str:
        """The value as the text input shows it (lists comma separated)."""
        return ", ".join(self.values)


def normalised_row(index: int, field_key: str, operator: str, value: object = None,
                   question: str = "") -> Row:
    """A row whose operator is one the field allows (the first one otherwise)."""
    allowed = [op for op, _ in domain.operators_for(field_key)]
    if operator not in allowed:
        operator = allowed[0] if allowed else ""
    return Row(index, field_key, operator, value, question)


def rows_from_form(form: Mapping) -> list[Row]:
    """Condition rows in form order (indices may have gaps after removals)."""
    indices = sorted(int(m.group(1)) for key in form if (m := ROW_KEY.match(key)))
    rows = []
    for index in indices:
        prefix = f"conditions-{index}-"
        raw = form.getlist(prefix + "value") if hasattr(form, "getlist") else form.get(
            prefix + "value")
        if isinstance(raw, list) and len(raw) == 1:
            raw = raw[0]
        rows.append(Row(index, form.get(prefix + "field", ""), form.get(prefix + "operator", ""),
                        raw, form.get(prefix + "question", "")))
    return rows


def rows_from_criteria(criteria: Mapping) -> list[Row]:
    """Rows showing saved criteria."""
    return [
        Row(i, c.get("field", ""), c.get("operator", ""), c.get("value"), c.get("question") or "")
        for i, c in enumerate(criteria.get("conditions") or [])
    ]


def criteria_from_rows(match: str, rows: list[Row]) -> dict:
    """JSON-safe criteria from rows, converting form strings to typed values."""
    return {"match": match, "conditions": [_condition(row) for row in rows]}


def _condition(row: Row) -> dict:
    condition = {"field": row.field, "operator": row.operator,
                 "value": value_from_form(row.field, row.operator, row.value)}
    if row.per_question:
        condition["question"] = row.question
    return condition


def attach_errors(
    rows: list, errors: list[str], pattern: re.Pattern = CONDITION_ERROR
) -> list[str]:
    """Put 'condition N: …' errors (or pattern's) on their rows; return those of no row."""
    general = []
    for error in errors:
        match = pattern.match(error)
        number = int(match.group(1)) if match else 0
        if 1 <= number <= len(rows):
            rows[number - 1].errors.append(match.group(2))
        else:
            general.append(error)
    return general


# ---------------------------------------------------------------- values


def value_from_form(field_key: str, operator: str, raw: str | list[str] | None) -> Any:
    """A form's raw string(s) turned into the JSON value validate() expects.

    Unparseable input is passed through unchanged so validate() names the problem.
    """
    kind = domain.value_kind(field_key, operator)
    if kind == "none":
        return None
    if kind in ("list", "choices", "ids"):
        items = raw if isinstance(raw, list) else (raw or "").replace("\n", ",").split(",")
        items = [item.strip() for item in items if item.strip()]
        return [_scalar_from_form(kind, item) for item in items]
    text = raw[0] if isinstance(raw, list) and raw else raw
    return _scalar_from_form(kind, (text or "").strip()) if isinstance(text, str) else text


def _scalar_from_form(kind: str, text: str) -> Any:
    """One form string as a number, bool or id where the kind says so."""
    if kind == "number":
        return _number_from_text(text)
    if kind == "bool":
        return {"true": True, "yes": True, "1": True, "on": True,
                "false": False, "no": False, "0": False, "off": False}.get(text.lower(), text)
    if kind in ("id", "ids"):
        return int(text) if text.isdecimal() else text
    return text


def _number_from_text(text: str) -> Any:
    """An int or float from text, or the text itself."""
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() and "." not in text else number
