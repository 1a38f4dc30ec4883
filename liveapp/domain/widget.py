"""The visitor widget's rules (pure): what its status is, and which answers a flow takes.

A visitor's answers are kept on them as facts (`remember_answer`, `answer_facts`):
``{"company_size": ..., "industry": ..., "questions": {"<experience id>:<step>": ...}}``.
An email answer is not among them: it identifies the visitor, and their email is a fact
of its own.

Status, from the open conversation and the routing Assignment: "chatting" while a rep
chats; for an inbound request still routing (the request is live: routing's own state
says "inbound"), "offering" while reps are offered it, "waiting" while it queues,
"booker" when nobody took it, "offline" when the groups it was routed to are outside
their business hours (the widget offers the booker and an offline message at once, not
"a rep will be with you"); otherwise "idle".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from liveapp.domain.events import normalise_email
from liveapp.domain.flows import ASKING_STEPS, COMPANY_SIZES, Step, progress

__all__ = [
    "COMPANY_SIZES", "STATUSES", "BadAnswer", "answer_facts", "check_answer", "question_key",
    "remember_answer", "status",
]

STATUSES = ("idle", "offering", "waiting", "booker", "offline", "chatting")
MAX_INDUSTRY = 120


class BadAnswer(ValueError):
    """An answer the flow does not take; the message names the field (step or value)."""


def status(chatting: bool, outcome: str | None, trigger: str | None,
           claimed: bool, request_live: bool, closed: bool = False) -> str:
    """The widget's status (one of STATUSES); `closed`: the decision found groups
    outside their business hours."""
    if chatting:
        return "chatting"
    if claimed or not request_live:
        return "idle"
    if closed and trigger == "inbound" and outcome in ("queue", "meeting_booker", "none"):
        return "offline"
    if outcome == "queue":
        return "waiting"
    if trigger == "inbound" and outcome == "offer":
        return "offering"
    if trigger == "inbound" and outcome == "meeting_booker":
        return "booker"
    return "idle"


def check_answer(steps: Sequence[Step], answers: Mapping[int, str], step: object,
                 value: object) -> tuple[str, str]:
    """What an answer to `steps[step]` is ("button", "email", "company_size",
    "industry") and its cleaned value; raises BadAnswer naming the field.

    Only the step the flow is asking now takes an answer (see flows.progress): a flow
    that "Just browsing" ended asks nothing more."""
    if isinstance(step, bool) or not isinstance(step, int):
        raise BadAnswer("step: must be a step number")
    if not 0 <= step < len(steps) or steps[step].type not in ASKING_STEPS:
        raise BadAnswer("step: is not a buttons or question step of your chat")
    if step != progress(steps, answers).asking:
        raise BadAnswer("step: your chat is not at this step")
    if not isinstance(value, str) or not value.strip():
        raise BadAnswer("value: is required")
    return _clean(steps[step], value.strip())


def _clean(current: Step, value: str) -> tuple[str, str]:
    if current.type == "buttons":
        if value not in current.labels:
            raise BadAnswer("value: must be one of the buttons")
        return "button", value
    kind = current.question
    if kind == "email":
        email = normalise_email(value)
        if email is None:
            raise BadAnswer("value: is not a valid email address")
        return "email", email
    if kind == "company_size":
        if value not in COMPANY_SIZES:
            raise BadAnswer(f"value: must be one of {', '.join(COMPANY_SIZES)}")
        return "company_size", value
    if len(value) > MAX_INDUSTRY:
        raise BadAnswer(f"value: at most {MAX_INDUSTRY} characters")
    return "industry", value


# Answers that say something about the company, kept apart so criteria name them plainly.
COMPANY_ANSWERS = ("company_size", "industry")


def question_key(experience_id: int, step: int) -> str:
    """How criteria name one question of one experience's flow ("7:2")."""
    return f"{experience_id}:{step}"


def remember_answer(answers: Mapping[str, Any] | None, key: str, kind: str,
                    value: str) -> dict[str, Any]:
    """The visitor's stored answers with this one (of `kind`, from check_answer) added;
    a later answer to the same question or about the same thing replaces the earlier."""
    kept = dict(answers or {})
    if kind == "email":
        return kept
    kept["questions"] = {**(kept.get("questions") or {}), key: value}
    if kind in COMPANY_ANSWERS:
        kept[kind] = value
    return kept


def answer_facts(answers: Mapping[str, Any] | None) -> dict[str, Any]:
    """VisitorFacts keyword arguments from the visitor's stored answers."""
    answers = answers or {}
    return {
        "answered_company_size": answers.get("company_size"),
        "answered_industry": answers.get("industry"),
        "chat_answers": answers.get("questions") or {},
    }
