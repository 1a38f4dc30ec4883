"""An experience's URL rules and flow steps as numbered form rows, and back.

Errors go on their rows with criteria_form.attach_errors and the patterns below.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass

URL_RULE_KEY = re.compile(r"^rules-(\d{1,3})-kind$")
STEP_KEY = re.compile(r"^steps-(\d{1,3})-type$")
URL_RULE_ERROR = re.compile(r"^URL rule (\d+): (.*)$")
STEP_ERROR = re.compile(r"^step (\d+): (.*)$")


@dataclass
class UrlRuleRow:
    index: int
    kind: str = "contains"
    value: str = ""
    exclude: bool = False
    errors: list[str] = dataclasses.field(default_factory=list)


@dataclass
class StepRow:
    index: int
    type: str = "bot_message"
    text: str = ""
    buttons: str = ""  # one label per line
    question: str = "email"
    errors: list[str] = dataclasses.field(default_factory=list)


def _indices_in_form_order(form: Mapping, pattern: re.Pattern) -> list[int]:
    """Row indices in the order the browser sent them (the order on the page)."""
    return [int(m.group(1)) for key in form if (m := pattern.match(key))]


def url_rules_from_form(form: Mapping) -> list[UrlRuleRow]:
    return [
        UrlRuleRow(i, form.get(f"rules-{i}-kind", ""), form.get(f"rules-{i}-value", ""),
                   form.get(f"rules-{i}-exclude") == "exclude")
        for i in _indices_in_form_order(form, URL_RULE_KEY)
    ]


def steps_from_form(form: Mapping) -> list[StepRow]:
    return [
        StepRow(i, form.get(f"steps-{i}-type", ""), form.get(f"steps-{i}-text", ""),
                form.get(f"steps-{i}-buttons", ""), form.get(f"steps-{i}-question", ""))
        for i in _indices_in_form_order(form, STEP_KEY)
    ]


def url_rules_from_saved(rules: list) -> list[UrlRuleRow]:
    return [UrlRuleRow(i, r["kind"], r["value"], bool(r.get("exclude")))
            for i, r in enumerate(rules or [])]


def steps_from_saved(flow: list) -> list[StepRow]:
    return [
        StepRow(i, s["type"], s.get("text", ""), "\n".join(s.get("buttons", [])),
                s.get("question") or "email")
        for i, s in enumerate(flow or [])
    ]


def targeting_data(rows: list[UrlRuleRow]) -> list[dict]:
    return [{"kind": r.kind, "value": r.value, "exclude": r.exclude} for r in rows]


def flow_data(rows: list[StepRow]) -> list[dict]:
    steps = []
    for row in rows:
        step: dict = {"type": row.type, "text": row.text}
        if row.type == "buttons":
            step["buttons"] = [line.strip() for line in row.buttons.splitlines() if line.strip()]
        if row.type == "question":
            step["question"] = row.question
        steps.append(step)
    return steps

