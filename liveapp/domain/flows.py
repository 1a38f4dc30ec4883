"""An experience's flow: the ordered steps a visitor goes through, and their rules.

Rules: 1 to 20 steps; a bot message needs text; buttons need 1 to 6 distinct labels; a
question asks for an email, a company size or an industry; Route for Pounce and Route
for Inbound Chat appear at most once each; once Route for Inbound Chat has handed the
visitor to reps only a meeting booker (the fallback when nobody answers) may follow;
there is at most one meeting booker and it is the last step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

STEP_LABELS = {
    "bot_message": "Bot message",
    "buttons": "Buttons",
    "question": "Question",
    "route_pounce": "Route for Pounce",
    "route_inbound": "Route for Inbound Chat",
    "meeting_booker": "Meeting booker",
}
QUESTION_KINDS = {"email": "email", "company_size": "company size", "industry": "industry"}
COMPANY_SIZES = ("1-10", "11-50", "51-200", "201-1000", "1001+")
MAX_STEPS = 20
MAX_BUTTONS = 6
MAX_LABEL = 60
MAX_MESSAGE = 1000


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a flow; which attributes matter depends on the type."""

    type: str
    text: str = ""
    buttons: tuple[str, ...] = ()
    question: str | None = None

    @property
    def label(self) -> str:
        """The step type in the product's words."""
        return STEP_LABELS[self.type]

    def to_dict(self) -> dict[str, Any]:
        """The step as JSON-safe data."""
        data: dict[str, Any] = {"type": self.type, "text": self.text}
        if self.type == "buttons":
            data["buttons"] = list(self.buttons)
        if self.type == "question":
            data["question"] = self.question
        return data


class InvalidExperience(ValueError):
    """Experience settings that validation refused; .errors lists every problem."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


class _Bad(Exception):
    """One step's problem, as shown to the admin."""


def validate_flow(steps: Any) -> list[str]:
    """Every problem with a JSON-safe flow (``[{"type", "text", ...}]``); [] when valid."""
    if not isinstance(steps, list | tuple):
        return ["the flow must be a list of steps"]
    if not steps:
        return ["add at least one step"]
    errors = [f"at most {MAX_STEPS} steps"] if len(steps) > MAX_STEPS else []
    parsed = []
    for number, raw in enumerate(steps, start=1):
        try:
            parsed.append(_parse_step(raw))
        except _Bad as problem:
            errors.append(f"step {number}: {problem}")
    return errors or _order_problems(parsed)


def parse_flow(steps: Any) -> tuple[Step, ...]:
    """A flow from JSON-safe data, raising InvalidExperience with every problem."""
    errors = validate_flow(steps)
    if errors:
        raise InvalidExperience(errors)
    return tuple(_parse_step(raw) for raw in steps)


def _parse_step(raw: Any) -> Step:
    """One Step from JSON-safe data, or _Bad."""
    if not isinstance(raw, dict):
        raise _Bad("must be an object with a type")
    kind = raw.get("type")
    if not isinstance(kind, str) or kind not in STEP_LABELS:
        raise _Bad(f"unknown step type '{kind}'")
    text = _message(raw.get("text"), required=kind == "bot_message", label=STEP_LABELS[kind])
    if kind == "buttons":
        return Step(kind, text, buttons=_buttons(raw.get("buttons")))
    if kind == "question":
        return Step(kind, text, question=_question(raw.get("question")))
    return Step(kind, text)


def _message(text: Any, *, required: bool, label: str) -> str:
    """A step's optional (or required) message text, stripped."""
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise _Bad(f"{label}: the message must be text")
    if required and not text.strip():
        raise _Bad(f"{label}: needs a message")
    if len(text) > MAX_MESSAGE:
        raise _Bad(f"{label}: at most {MAX_MESSAGE} characters")
    return text.strip()


def _buttons(labels: Any) -> tuple[str, ...]:
    """1 to 6 distinct, non-empty button labels."""
    if not isinstance(labels, list | tuple) or not 1 <= len(labels) <= MAX_BUTTONS:
        raise _Bad(f"Buttons: needs 1 to {MAX_BUTTONS} button labels")
    cleaned = []
    for number, label in enumerate(labels, start=1):
        if not isinstance(label, str) or not label.strip():
            raise _Bad(f"Buttons: button {number} needs a label")
        if len(label) > MAX_LABEL:
            raise _Bad(f"Buttons: button {number}: at most {MAX_LABEL} characters")
        cleaned.append(label.strip())
    if len({label.lower() for label in cleaned}) != len(cleaned):
        raise _Bad("Buttons: button labels must differ")
    return tuple(cleaned)


def _question(kind: Any) -> str:
    """What a question step asks for."""
    if kind not in QUESTION_KINDS:
        raise _Bad("Question: choose what to ask: email, company size or industry")
    return kind


def _order_problems(steps: list[Step]) -> list[str]:
    """Problems with where steps sit in the flow."""
    errors = []
    seen: set[str] = set()
    for number, step in enumerate(steps, start=1):
        if step.type in seen and step.type in ("route_pounce", "route_inbound", "meeting_booker"):
            errors.append(f"step {number}: {step.label}: only one per flow")
        elif "route_inbound" in seen and step.type not in ("meeting_booker", "route_inbound"):
            errors.append(
                f"step {number}: {step.label}: only a meeting booker can follow "
                "Route for Inbound Chat"
            )
        if step.type == "meeting_booker" and number != len(steps):
            errors.append(f"step {number}: Meeting booker: must be the last step")
        seen.add(step.type)
    return errors
