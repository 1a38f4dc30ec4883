"""An experience's flow: the ordered steps a visitor goes through, and their rules.

Rules: 1 to 20 steps; a bot message needs text; buttons need 1 to 6 distinct labels; a
question asks for an email, a company size or an industry; Route for Pounce and Route
for Inbound Chat appear at most once each; once Route for Inbound Chat has handed the
visitor to reps only a meeting booker (the fallback when nobody answers) may follow;
there is at most one meeting booker and it is the last step.

Branching: each button says where the flow goes when it is clicked: the next step
("next"), a later step (its index in the flow, from 0) or the end ("end": "Just
browsing"). Only later steps, never the meeting booker (it belongs to Route for Inbound
Chat), so a flow cannot loop: `progress` walks it forward from the visitor's answers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
# What the widget asks when a question step has no text of its own (liveapp-widget.js ASK).
QUESTION_PROMPTS = {"email": "What is your email?", "company_size": "How big is your company?",
                    "industry": "Which industry are you in?"}
COMPANY_SIZES = ("1-10", "11-50", "51-200", "201-1000", "1001+")
MAX_STEPS = 20
MAX_BUTTONS = 6
MAX_LABEL = 60
MAX_MESSAGE = 1000
NEXT, END = "next", "end"
ASKING_STEPS = ("buttons", "question")

Target = str | int  # NEXT, END, or the index of a later step


@dataclass(frozen=True, slots=True)
class Button:
    """A button of a buttons step and where the flow goes when it is clicked."""

    label: str
    target: Target = NEXT

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "target": self.target}


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a flow; which attributes matter depends on the type."""

    type: str
    text: str = ""
    buttons: tuple[Button, ...] = ()
    question: str | None = None

    @property
    def label(self) -> str:
        """The step type in the product's words."""
        return STEP_LABELS[self.type]

    @property
    def labels(self) -> tuple[str, ...]:
        """The labels of a buttons step's buttons."""
        return tuple(button.label for button in self.buttons)

    def target_of(self, label: str) -> Target | None:
        """Where the button with this label leads; None when there is no such button."""
        return next((b.target for b in self.buttons if b.label == label), None)

    @property
    def asked(self) -> str:
        """What the bot says at this step as the widget shows it: its text, else a
        question's default wording ("" when it says nothing)."""
        return self.text or QUESTION_PROMPTS.get(self.question or "", "")

    def to_dict(self) -> dict[str, Any]:
        """The step as JSON-safe data."""
        data: dict[str, Any] = {"type": self.type, "text": self.text}
        if self.type == "buttons":
            data["buttons"] = [button.to_dict() for button in self.buttons]
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
    return errors or _order_problems(parsed) + _target_problems(parsed)


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


def _buttons(buttons: Any) -> tuple[Button, ...]:
    """1 to 6 buttons ``{"label", "target"}`` with distinct, non-empty labels."""
    if not isinstance(buttons, list | tuple) or not 1 <= len(buttons) <= MAX_BUTTONS:
        raise _Bad(f"Buttons: needs 1 to {MAX_BUTTONS} buttons")
    cleaned = tuple(_button(number, raw) for number, raw in enumerate(buttons, start=1))
    if len({button.label.lower() for button in cleaned}) != len(cleaned):
        raise _Bad("Buttons: button labels must differ")
    return cleaned


def _button(number: int, raw: Any) -> Button:
    """One button; its target is only checked for its kind here (see _target_problems)."""
    if not isinstance(raw, dict):
        raise _Bad(f"Buttons: button {number} must be an object with a label and a target")
    label = raw.get("label")
    if not isinstance(label, str) or not label.strip():
        raise _Bad(f"Buttons: button {number} needs a label")
    if len(label) > MAX_LABEL:
        raise _Bad(f"Buttons: button {number}: at most {MAX_LABEL} characters")
    target = raw.get("target", NEXT)
    if target not in (NEXT, END) and (isinstance(target, bool) or not isinstance(target, int)):
        raise _Bad(f"Buttons: “{label.strip()}” goes to a step that does not exist")
    return Button(label.strip(), target)


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


def _target_problems(steps: list[Step]) -> list[str]:
    """Buttons that go to a step that does not exist, backwards, or to the meeting booker."""
    errors = []
    for index, step in enumerate(steps):
        for button in step.buttons:
            problem = _target_problem(steps, index, button.target)
            if problem:
                errors.append(f"step {index + 1}: Buttons: “{button.label}” {problem}")
    return errors


def _target_problem(steps: Sequence[Step], index: int, target: Target) -> str | None:
    if target in (NEXT, END):
        return None
    assert isinstance(target, int)
    if not 0 <= target < len(steps):
        return "goes to a step that does not exist"
    if target <= index:
        return f"can only go to a later step, not step {target + 1}"
    if steps[target].type == "meeting_booker":
        return "cannot go to the meeting booker: it only follows Route for Inbound Chat"
    return None


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a visitor is in a flow: the steps shown so far (in order), the buttons or
    question step waiting for their answer (None when nothing more is asked), and whether
    the flow reached Route for Inbound Chat (the visitor may ask for a rep)."""

    path: tuple[int, ...]
    asking: int | None
    route_inbound: bool

    def to_dict(self) -> dict[str, Any]:
        return {"path": list(self.path), "asking": self.asking,
                "can_request": self.route_inbound}


def progress(steps: Sequence[Step], answers: Mapping[int, str]) -> Progress:
    """Walk the flow from its first step, following the visitor's answers (by step index):
    a clicked button goes where it says; an unanswered step (or a button label the step no
    longer has) stops the walk there; "end" or the last step ends it."""
    path: list[int] = []
    index: int | None = 0
    while index is not None and index < len(steps):
        path.append(index)
        step = steps[index]
        if step.type in ASKING_STEPS and not _answered(step, answers.get(index)):
            return Progress(tuple(path), index, False)
        index = _after(step, index, answers.get(index))
    reached = any(steps[i].type == "route_inbound" for i in path)
    return Progress(tuple(path), None, reached)


def _answered(step: Step, answer: str | None) -> bool:
    if step.type == "buttons":
        return answer is not None and step.target_of(answer) is not None
    return bool(answer)


def _after(step: Step, index: int, answer: str | None) -> int | None:
    """The index of the step after this one (None: the flow ends)."""
    target = step.target_of(answer) if step.type == "buttons" and answer is not None else NEXT
    if target == NEXT:
        return index + 1
    # A target that does not go forward ends the flow: validation refuses it, and the
    # walk must end whatever data it is given.
    return target if isinstance(target, int) and target > index else None


SAYING_STEPS = ("bot_message", "route_inbound")


def transcript(steps: Sequence[Step], answers: Mapping[int, str]) -> list[tuple[str, str]]:
    """What the bot said and the visitor answered so far, in order, as the widget showed
    it: ("bot" or "visitor", text) pairs along the visitor's path through the flow."""
    at = progress(steps, answers)
    lines: list[tuple[str, str]] = []
    for index in at.path:
        step = steps[index]
        if step.type in SAYING_STEPS and step.text:
            lines.append(("bot", step.text))
        elif step.type in ASKING_STEPS:
            if step.asked:
                lines.append(("bot", step.asked))
            if index != at.asking and answers.get(index):
                lines.append(("visitor", answers[index]))
    return lines
