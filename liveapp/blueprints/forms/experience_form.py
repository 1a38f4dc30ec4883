"""An experience's URL rules and flow steps as numbered form rows, and back.

Errors go on their rows with criteria_form.attach_errors and the patterns below.

A button's target in the form names a step row (`step-<row index>`), not a position, so
it keeps pointing at the same step when the admin drags steps around; flow_data turns it
into the step's position on submit, where the domain refuses one that now points back.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass

from liveapp.domain.flows import END, NEXT, QUESTION_KINDS, STEP_LABELS, Target

URL_RULE_KEY = re.compile(r"^rules-(\d{1,3})-kind$")
STEP_KEY = re.compile(r"^steps-(\d{1,3})-type$")
URL_RULE_ERROR = re.compile(r"^URL rule (\d+): (.*)$")
STEP_ERROR = re.compile(r"^step (\d+): (.*)$")
STEP_TARGET = re.compile(r"^step-(\d{1,3})$")
MAX_BUTTON_ROWS = 6  # as the domain's MAX_BUTTONS
NEW_BUTTON_ROWS = 2


@dataclass
class UrlRuleRow:
    index: int
    kind: str = "contains"
    value: str = ""
    exclude: bool = False
    errors: list[str] = dataclasses.field(default_factory=list)


@dataclass
class ButtonRow:
    label: str = ""
    target: str = NEXT  # NEXT, END or "step-<row index>"
    options: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (value, text)


@dataclass
class StepRow:
    index: int
    type: str = "bot_message"
    text: str = ""
    buttons: list[ButtonRow] = dataclasses.field(default_factory=list)
    question: str = "email"
    errors: list[str] = dataclasses.field(default_factory=list)

    @property
    def short_label(self) -> str:
        """The step as a button's target select names it: "Question (email)"."""
        label = STEP_LABELS.get(self.type, self.type)
        if self.type == "question":
            return f"{label} ({QUESTION_KINDS.get(self.question, self.question)})"
        return label


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
    return [step_from_form(form, i) for i in _indices_in_form_order(form, STEP_KEY)]


def step_from_form(form: Mapping, index: int, *, more_buttons: bool = False) -> StepRow:
    """Step row `index` as the form sends it; a buttons step shows at least two button
    rows, and one more (up to six) when the admin asked for it."""
    step = StepRow(index, form.get(f"steps-{index}-type", ""),
                   form.get(f"steps-{index}-text", ""), buttons_from_form(form, index),
                   form.get(f"steps-{index}-question", ""))
    if step.type == "buttons":
        wanted = max(NEW_BUTTON_ROWS, len(step.buttons) + more_buttons)
        step.buttons += [ButtonRow() for _ in range(min(wanted, MAX_BUTTON_ROWS)
                                                    - len(step.buttons))]
    return step


def buttons_from_form(form: Mapping, index: int) -> list[ButtonRow]:
    """The step's button rows in form order (blank rows included: they are dropped on save)."""
    key = re.compile(rf"^steps-{index}-button-(\d{{1,2}})-label$")
    return [ButtonRow(form.get(f"steps-{index}-button-{j}-label", ""),
                      form.get(f"steps-{index}-button-{j}-target", NEXT))
            for j in _indices_in_form_order(form, key)]


def url_rules_from_saved(rules: list) -> list[UrlRuleRow]:
    return [UrlRuleRow(i, r["kind"], r["value"], bool(r.get("exclude")))
            for i, r in enumerate(rules or [])]


def steps_from_saved(flow: list) -> list[StepRow]:
    """Saved steps as rows; row index = position, so a target position is its row."""
    return [
        StepRow(i, s["type"], s.get("text", ""),
                [ButtonRow(b["label"], _saved_target(b["target"])) for b in s.get("buttons", [])],
                s.get("question") or "email")
        for i, s in enumerate(flow or [])
    ]


def _saved_target(target: Target) -> str:
    return f"step-{target}" if isinstance(target, int) else target


def targeting_data(rows: list[UrlRuleRow]) -> list[dict]:
    return [{"kind": r.kind, "value": r.value, "exclude": r.exclude} for r in rows]


def flow_data(rows: list[StepRow]) -> list[dict]:
    positions = {row.index: position for position, row in enumerate(rows)}
    steps = []
    for row in rows:
        step: dict = {"type": row.type, "text": row.text}
        if row.type == "buttons":
            step["buttons"] = [{"label": b.label, "target": _position(b.target, positions)}
                               for b in row.buttons if b.label.strip()]
        if row.type == "question":
            step["question"] = row.question
        steps.append(step)
    return steps


def _position(target: str, positions: dict[int, int]) -> Target:
    """A form target as the flow stores it; a step row that is gone stays a name the
    domain does not know, so the admin is told the step does not exist."""
    match = STEP_TARGET.match(target)
    if match is None:
        return target
    return positions.get(int(match.group(1)), target)


def attach_target_options(rows: list[StepRow]) -> None:
    """Give every button row its target choices: the next step, each later step but the
    meeting booker (by number and short label), the end, and, so an error can show it, a
    chosen step that is earlier or gone."""
    for position, row in enumerate(rows):
        later = [(f"step-{r.index}", f"Step {position + n + 2}: {r.short_label}")
                 for n, r in enumerate(rows[position + 1:]) if r.type != "meeting_booker"]
        choices = [(NEXT, "Next step"), *later, (END, "End the chat flow")]
        for button in row.buttons:
            known = any(value == button.target for value, _ in choices)
            button.options = choices if known else [*choices, (button.target,
                                                               _elsewhere(rows, button.target))]


def _elsewhere(rows: list[StepRow], target: str) -> str:
    """How a target that is not a later step reads in its select."""
    match = STEP_TARGET.match(target)
    found = [(n, r) for n, r in enumerate(rows, start=1)
             if match is not None and r.index == int(match.group(1))]
    if not found:
        return "A step that is not in the flow"
    number, row = found[0]
    return f"Step {number}: {row.short_label} (not a later step)"

