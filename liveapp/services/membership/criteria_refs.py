"""What criteria refer to by id: experiences, segments, streams and chat flow questions.

The pure engine checks a condition's shape; this module checks that what it names exists
(a field error, nothing written, when not), gives the criteria builder its choices and
describe() its names, and finds the routing rules that use a segment or a stream, so
deleting one they use is refused naming them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from liveapp.domain import criteria as engine
from liveapp.domain.fields import FIELDS
from liveapp.domain.flows import QUESTION_KINDS
from liveapp.domain.widget import question_key
from liveapp.extensions import db
from liveapp.models import Experience, RoutingRule, Segment, Stream

_MODELS = {"experience": Experience, "segment": Segment, "stream": Stream}


@dataclass(frozen=True)
class Choices:
    """(id, name) pairs by kind ("experience", "segment", "stream"; questions by key)."""

    by_kind: dict[str, list[tuple[Any, str]]]

    def names(self) -> dict[str, dict[Any, str]]:
        """The same as describe() reads them."""
        return {kind: dict(pairs) for kind, pairs in self.by_kind.items()}


def choices() -> Choices:
    """Everything conditions can name, ordered by name, in a few queries."""
    by_kind: dict[str, list[tuple[Any, str]]] = {
        kind: list(db.session.execute(select(model.id, model.name).order_by(model.name)))
        for kind, model in _MODELS.items()
    }
    experiences = db.session.scalars(select(Experience).order_by(Experience.name))
    by_kind["question"] = [pair for e in experiences for pair in _questions(e)]
    return Choices({kind: [tuple(pair) for pair in pairs] for kind, pairs in by_kind.items()})


def _questions(experience: Experience) -> list[tuple[str, str]]:
    """(key, "Experience: question") for each step of the flow whose answer is kept (an
    email answer identifies the visitor instead)."""
    found = []
    for step, raw in enumerate(experience.flow or ()):
        asks = raw.get("question")
        if raw.get("type") == "buttons":
            fallback = " / ".join(b.get("label", "") if isinstance(b, dict) else str(b)
                                  for b in raw.get("buttons") or ())
        elif raw.get("type") == "question" and asks in QUESTION_KINDS and asks != "email":
            fallback = QUESTION_KINDS[asks].capitalize()
        else:
            continue
        asked = (raw.get("text") or "").strip() or fallback
        found.append((question_key(experience.id, step), f"{experience.name}: {asked}"))
    return found


def missing(criteria: Mapping[str, Any], known: Choices | None = None) -> list[str]:
    """'condition N: ...' for every id or question the criteria name that does not exist.

    Args:
        criteria: criteria the engine already validated.
        known: what exists (loaded when not given).
    """
    known = known or choices()
    names = known.names()
    errors = []
    for number, condition in enumerate(criteria.get("conditions") or (), start=1):
        field = FIELDS[condition["field"]]
        if field.per_question and condition.get("question") not in names["question"]:
            errors.append(f"condition {number}: {field.label}: that question is not in any "
                          "experience's flow any more; choose another")
        if field.refers_to:
            values = condition.get("value")
            for value in values if isinstance(values, list | tuple) else (values,):
                if value is not None and value not in names[field.refers_to]:
                    errors.append(f"condition {number}: {field.label}: no {field.refers_to} "
                                  f"with id {value}; choose from the list")
                    break
    return errors


def describe(criteria: Mapping[str, Any], names: engine.Names, *, for_routing: bool = False,
             everyone: str = "Everyone") -> str:
    """Saved criteria in words, naming what they refer to (`names`: Choices.names())."""
    try:
        parsed = engine.Criteria.from_dict(criteria, allow_empty=True, for_routing=for_routing)
    except engine.InvalidCriteria:
        return "(criteria need fixing)"
    return engine.describe(parsed, names) if parsed.conditions else everyone


def rules_using(kind: str, ident: int) -> list[RoutingRule]:
    """The routing rules whose criteria test membership of this segment or stream."""
    fields = {key for key, field in FIELDS.items() if field.refers_to == kind and
              field.for_routing}
    rules = db.session.scalars(select(RoutingRule).order_by(RoutingRule.position))
    return [rule for rule in rules if any(
        c.get("field") in fields and c.get("value") == ident
        for c in (rule.criteria or {}).get("conditions") or ())]


def in_use_message(kind: str, ident: int) -> str | None:
    """Why this segment or stream cannot be deleted now (None: nothing uses it)."""
    rules = rules_using(kind, ident)
    if not rules:
        return None
    names = ", ".join(f"“{rule.name}”" for rule in rules)
    noun = "routing rule" if len(rules) == 1 else "routing rules"
    return (f"This {kind} is used by the {noun} {names}: change or delete "
            f"{'it' if len(rules) == 1 else 'them'} first.")
