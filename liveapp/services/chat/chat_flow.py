"""The chat widget's side of an experience: which flow the visitor is in, their answers,
where they are in it, their status, and `status` pushes to the widget when an inbound
request's routing moves.

Answers live in Redis next to the membership, for as long (a visit's worth): one JSON
record per visitor `{"experience_id", "answers": {"<step>": value}, "chose", "requested"}`.
Where the visitor is in the flow follows from the answers (domain.flows.progress): only
the step it asks now takes an answer, and only a flow that reached Route for Inbound Chat
may ask for a rep. An email answer identifies the visitor through the events API's own
identify path (CRM look-up, enrichment, membership and routing follow); every other answer
is also kept on the visitor (`Visitor.chat_answers`: company size, industry, each
question's answer), where segment and routing criteria read it and the card shows it.
Every answer publishes a "bot" change: membership re-evaluates the visitor and the card
shows the choice (also "Just browsing", which ends the flow).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from liveapp.domain import flows
from liveapp.domain import widget as rules
from liveapp.domain.events import Event
from liveapp.domain.widget import BadAnswer
from liveapp.extensions import db, redis
from liveapp.infra import realtime
from liveapp.models import Experience, Visitor
from liveapp.services.bus import changes
from liveapp.services.chat import conversations
from liveapp.services.membership import live_membership
from liveapp.services.routing import assignments, router
from liveapp.services.settings.sites import SiteInfo
from liveapp.services.tracking import visitor_events
from liveapp.web import client_ip

__all__ = ["BadAnswer", "FlowState", "answer", "current_experience", "may_request",
           "state_of", "status_of", "transcript"]

ANSWERS_TTL = live_membership.MEMBERSHIP_TTL


def answers_key(visitor_id: str) -> str:
    return redis.key("chat", "answers", visitor_id)


def decode(raw: bytes | str | None) -> dict | None:
    try:
        record = json.loads(raw) if raw else None
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def load(visitor_id: str) -> dict | None:
    """The visitor's answers record, or None."""
    return decode(redis.client.get(answers_key(visitor_id)))


def _save(visitor_id: str, record: dict) -> None:
    redis.client.set(answers_key(visitor_id), json.dumps(record), ex=ANSWERS_TTL)


def current_experience(visitor_id: str, record: dict | None = None) -> Experience | None:
    """The experience the visitor receives now, else the one whose flow they answered
    (a visitor mid-flow keeps it on the next page)."""
    member = live_membership.stored(visitor_id)
    experience_id = member.experience_id if member is not None else None
    if experience_id is None and record is not None:
        experience_id = record.get("experience_id")
    return db.session.get(Experience, experience_id) if isinstance(experience_id, int) else None


def _record_for(record: dict | None, experience: Experience) -> dict:
    """The visitor's record if it is for this experience, else {}."""
    return record if record is not None and record.get("experience_id") == experience.id else {}


def answers_for(record: dict | None, experience: Experience) -> dict:
    return dict(_record_for(record, experience).get("answers") or {})


def _by_step(answers: dict) -> dict[int, str]:
    """Answers keyed by step index, as the flow engine takes them."""
    return {int(k): v for k, v in answers.items()
            if isinstance(k, str) and k.isdigit() and isinstance(v, str)}


@dataclass(frozen=True)
class FlowState:
    """The flow a visitor receives, their answers, where they are in it, and whether
    they asked for a rep (all empty/None when they receive no experience)."""

    experience: Experience | None
    answers: dict[str, str]
    progress: flows.Progress | None
    requested: bool


def state_of(visitor_id: str) -> FlowState:
    """The visitor's FlowState, read from their record and experience."""
    record = load(visitor_id)
    experience = current_experience(visitor_id, record)
    if experience is None:
        return FlowState(None, {}, None, False)
    steps = flows.parse_flow(experience.flow)
    answers = answers_for(record, experience)
    requested = bool(_record_for(record, experience).get("requested"))
    return FlowState(experience, answers,
                     flows.progress(steps, _by_step(answers)), requested)


def transcript(visitor_id: str) -> list[tuple[str, str]]:
    """What the bot said and the visitor answered in their flow so far, in order
    (("bot" or "visitor", text) pairs; [] outside any flow)."""
    state = state_of(visitor_id)
    if state.experience is None:
        return []
    return flows.transcript(flows.parse_flow(state.experience.flow), _by_step(state.answers))


def may_request(visitor_id: str) -> bool:
    """Whether the visitor's flow reached Route for Inbound Chat (they may ask for a rep)."""
    progress = state_of(visitor_id).progress
    return progress is not None and progress.route_inbound


def _for_experience(record: dict | None, experience: Experience) -> dict:
    """The visitor's record if it is for this experience, else a fresh one for it."""
    if record is None or record.get("experience_id") != experience.id:
        return {"experience_id": experience.id, "answers": {}}
    return record


def _request_live(visitor_id: str) -> bool:
    return redis.client.hget(router.state_key(visitor_id), "trigger") == b"inbound"


def status_of(visitor_id: str) -> str:
    """"chatting", "offering", "waiting", "booker", "offline" or "idle" (domain.widget)."""
    if conversations.open_conversation(visitor_id) is not None:
        return "chatting"
    current = assignments.get(visitor_id)
    if current is None:
        return "idle"
    return rules.status(False, current.outcome, current.trigger,
                        current.claimed_by is not None, _request_live(visitor_id),
                        bool(current.closed))


def _identify(visitor: Visitor, email: str) -> None:
    """The events API's identify, as if the snippet had sent it: appended to the events
    stream behind the visitor's queued events (recording it here could overtake them, and
    the processor would then apply an older page view's traits over it). Raises
    RateLimited, or redis' errors when Redis cannot take it."""

    event = Event(site_key="", visitor_id=visitor.id, type="identify", email=email,
                  traits={"source": "chat"})
    visitor_events.accept(event, SiteInfo(visitor.site_id, frozenset()), client_ip(), time.time())


def answer(visitor: Visitor, step: object, value: object) -> dict:
    """Record the visitor's answer to a step of their flow; returns the answers.

    Raises BadAnswer (nothing written) or RateLimited."""
    record = load(visitor.id)
    experience = current_experience(visitor.id, record)
    if experience is None:
        raise BadAnswer("step: you are not in a chat flow")
    steps = flows.parse_flow(experience.flow)
    kind, clean = rules.check_answer(steps, _by_step(answers_for(record, experience)), step,
                                     value)
    if kind == "email":
        _identify(visitor, clean)
    else:
        visitor.chat_answers = rules.remember_answer(
            visitor.chat_answers, rules.question_key(experience.id, step), kind, clean)
        db.session.commit()
    record = _for_experience(record, experience)
    record["answers"][str(step)] = clean
    if kind == "button":
        record["chose"] = clean
    _save(visitor.id, record)
    changes.publish(visitor.id, "bot", experience_id=experience.id, step=step, answer=kind,
                    value=clean, asked=steps[step].asked)
    return record["answers"]


def mark_requested(visitor_id: str) -> None:
    """The visitor's flow asked for a chat (Route for Inbound Chat): remember it."""
    record = load(visitor_id)
    experience = current_experience(visitor_id, record)
    if experience is None:
        return
    record = _for_experience(record, experience)
    record["requested"] = True
    _save(visitor_id, record)


def chose_of(visitor_id: str, raw: bytes | None) -> dict[str, str]:
    """{visitor id: the last button they chose in their flow} from a raw record."""
    chose = (decode(raw) or {}).get("chose")
    return {visitor_id: chose} if isinstance(chose, str) else {}


def chose_many(visitor_ids: list[str]) -> dict[str, str]:
    """The last button each visitor chose in their flow (for their cards), in bulk."""
    if not visitor_ids:
        return {}
    raws = redis.client.mget([answers_key(v) for v in visitor_ids])
    found: dict[str, str] = {}
    for visitor_id, raw in zip(visitor_ids, raws, strict=True):
        found.update(chose_of(visitor_id, raw))
    return found


def on_change(change: changes.Change) -> None:
    """Subscriber: an inbound request's routing moved, or the visitor's experience
    changed: tell the visitor's widget."""
    data = change.data
    if change.kind == "membership" and data.get("experience_changed"):
        # A nudge, not the experience: the widget reads its state again (GET /t/v1/chat).
        # A new visitor's widget usually asks before the pipeline recorded them, and has
        # no experience until this arrives.
        experience_id = (data.get("new") or {}).get("experience_id")
        realtime.send(realtime.visitor_channel(change.visitor_id), "experience",
                      json.dumps({"experience_id": experience_id}))
        return
    if (change.kind != "routing" or data.get("trigger") != "inbound"
            or data.get("claimed_by") is not None or not _request_live(change.visitor_id)):
        return
    status = rules.status(False, data.get("outcome"), "inbound", False, True,
                          bool(data.get("closed")))
    realtime.send(realtime.visitor_channel(change.visitor_id), "status",
                  json.dumps({"status": status}))
