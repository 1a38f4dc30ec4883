"""Visitor cards: what a card shows, built in bulk from Redis and the database.

A card is built from Redis (hot presence, membership, assignment, viewers) and a few
bulk queries (visitors, their visits' start times, user and experience names): the
number of queries does not grow with the number of visitors (`load_many`, the one way
cards are built). Rendered cards are kept in Redis by `card_cache`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import aliased

from liveapp.domain.avatars import Avatar
from liveapp.domain.routing.reasons import card_reason
from liveapp.domain.streams import Membership
from liveapp.extensions import db, redis
from liveapp.models import Conversation, Experience, Message, User, Visitor, VisitSession
from liveapp.services.bus import rows
from liveapp.services.chat import chat_flow
from liveapp.services.live import viewers
from liveapp.services.membership import live_membership
from liveapp.services.routing import assignments
from liveapp.services.routing.assignments import Assignment
from liveapp.services.tracking import hot_state
from liveapp.services.tracking.hot_state import HotState

OTHER_COLUMN = "stream-other"
CHAT_PREVIEW = 80  # characters of the last message a card shows


@dataclass(frozen=True)
class Routing:
    """A visitor's routing status in people's names (with their avatars)."""

    rule_name: str
    mode: str
    routed_to: list[Avatar]
    offered_to: list[Avatar]
    claimed_by: Avatar | None
    explanation: str
    held: bool = False  # a pounce offer: the reps it is offered to may pass on it
    reason: str | None = None  # the short why ("Salesforce lead owner"), domain wording

    @property
    def mode_label(self) -> str:
        return self.mode.replace("_", " ").capitalize()


@dataclass(frozen=True)
class ChatLine:
    """Who is chatting with the visitor, and the conversation's last message (shortened)."""

    rep: str
    sender: str | None = None
    last: str | None = None
    rep_id: int = 0
    unread: int = 0  # the visitor's messages the rep has not seen (read_state)

    @property
    def avatar(self) -> Avatar:
        return Avatar(self.rep_id, self.rep)

    @classmethod
    def of(cls, rep: str, sender: str | None, body: str | None, rep_id: int = 0,
           unread: int = 0) -> ChatLine:
        if body is not None and len(body) > CHAT_PREVIEW:
            body = body[:CHAT_PREVIEW - 1].rstrip() + "…"
        return cls(rep, sender, body, rep_id, unread or 0)


@dataclass(frozen=True)
class Card:
    """Everything a visitor card shows (one visitor, the same for every viewer)."""

    id: str
    name: str
    company: str | None
    location: str
    url: str
    title: str
    pages: int
    started_at: float | None
    presence: str
    stream_id: int | None
    experience: str | None = None
    chose: str | None = None  # the button the visitor chose in the experience's flow
    said: tuple[str, ...] = ()  # what they told the chat about their company
    industry: str | None = None
    employees: int | None = None
    revenue_band: str | None = None
    abm_target: bool = False
    abm_tier: str | None = None
    lead_score: int | None = None
    lifecycle_stage: str | None = None
    salesforce: dict | None = None
    routing: Routing | None = None
    chat: ChatLine | None = None
    viewers: list[Avatar] = field(default_factory=list)
    routed_user_ids: frozenset[int] = frozenset()
    viewer_ids: tuple[int, ...] = ()

    @property
    def live(self) -> bool:
        return self.presence in ("active", "idle")

    @property
    def reps(self) -> list[str]:
        """The reps this visitor is with (routed, offered, claimed, chatting), each once:
        what the board's filter finds them by."""
        names = [self.chat.rep] if self.chat is not None else []
        if self.routing is not None:
            names += [*self.routing.routed_to, *self.routing.offered_to,
                      *([self.routing.claimed_by] if self.routing.claimed_by else [])]
        return list(dict.fromkeys(names))

    @property
    def column_id(self) -> str:
        return f"stream-{self.stream_id}" if self.stream_id is not None else OTHER_COLUMN


# ---------------------------------------------------------------- bulk loading


def _session_starts(session_ids: list[int]) -> dict[int, float]:
    starts = {sid: row.started_at.replace(tzinfo=UTC).timestamp()
              for sid, row in rows.in_session(VisitSession, session_ids).items()}
    missing = [sid for sid in session_ids if sid not in starts]
    for chunk in rows.chunks(missing):
        found = db.session.execute(select(VisitSession.id, VisitSession.started_at).where(
            VisitSession.id.in_(chunk)))
        starts.update((sid, at.replace(tzinfo=UTC).timestamp()) for sid, at in found)
    return starts


@functools.cache
def _chat_lines_query():
    """Built once: building this statement (an alias, a correlated subquery) and its
    cache key cost several times what running it does, on every card load."""
    latest = aliased(Message)
    last_id = (select(func.max(latest.id)).where(latest.conversation_id == Conversation.id)
               .correlate(Conversation).scalar_subquery())
    unread = (select(func.count(latest.id)).where(
        latest.conversation_id == Conversation.id, latest.sender == "visitor",
        latest.id > func.coalesce(Conversation.rep_read_id, 0))
        .correlate(Conversation).scalar_subquery())
    return (select(Conversation.visitor_id, User.name, Message.sender, Message.body, User.id,
                   unread)
            .join(User, User.id == Conversation.rep_id)
            .outerjoin(Message, Message.id == last_id)
            .where(Conversation.status == "open",
                   Conversation.visitor_id.in_(bindparam("ids", expanding=True))))


def chat_lines(ids: list[str]) -> dict[str, ChatLine]:
    """The open conversations of these visitors, last messages and unread counts: one
    query per `rows.CHUNK` visitors, however many cards."""
    found: dict[str, ChatLine] = {}
    for chunk in rows.chunks(ids):
        lines = db.session.execute(_chat_lines_query(), {"ids": chunk})
        found.update((vid, ChatLine.of(rep, sender, body, rep_id, unread))
                     for vid, rep, sender, body, rep_id, unread in lines)
    return found


def _chatting(found: dict[str, Assignment]) -> list[str]:
    """The visitors a rep claimed: only they can have an open conversation (claiming
    sets `claimed_by`, closing clears it), so the others' cards need no chat query."""
    return [vid for vid, assignment in found.items() if assignment.claimed_by is not None]


def _json(raw: bytes) -> dict:
    try:
        return json.loads(raw)
    except ValueError:
        return {}


def user_names(ids: Iterable[int]) -> dict[int, str]:
    """Names of these users, in one query."""
    ids = sorted(set(ids))
    if not ids:
        return {}
    return dict(db.session.execute(_USER_NAMES, {"ids": ids}).all())


_USER_NAMES = select(User.id, User.name).where(User.id.in_(bindparam("ids", expanding=True)))


def experience_names() -> dict[int, str]:
    return dict(db.session.execute(select(Experience.id, Experience.name)).all())


def experience_name(experience_id: int | None) -> str | None:
    experience = db.session.get(Experience, experience_id) if experience_id else None
    return experience.name if experience is not None else None


# Experience names by settings version (per Redis prefix): a rename, a new or a deleted
# experience bumps the version (live_membership.on_settings_changed, on a "settings" change),
# so a card load that read the version in its own pipeline names experiences without a
# query.
_names_cache: dict[str, tuple[bytes, dict[int, str]]] = {}


def experience_name_at(version: bytes | None, experience_id: int) -> str | None:
    """The experience's name as of this settings version (None: the version is unknown,
    so ask the database)."""
    if version is None:
        return experience_name(experience_id)
    cached = _names_cache.get(redis.key())
    if cached is None or cached[0] != version:
        cached = (version, experience_names())
        _names_cache[redis.key()] = cached
    return cached[1].get(experience_id)


def live_states(ids: Iterable[str]) -> dict[str, HotState]:
    """Hot state of these visitors, the ones still on the site only."""
    ids = list(ids)
    pipe = redis.client.pipeline(transaction=False)
    for visitor_id in ids:
        hot_state.queue_read(pipe, visitor_id)
    states = {}
    for visitor_id, raw in zip(ids, pipe.execute() if ids else [], strict=True):
        state = hot_state.decode(raw)
        if state is not None and state.presence.state != "left":
            states[visitor_id] = state
    return states


# ---------------------------------------------------------------- cards


def _routing(assignment: Assignment | None, names: dict[int, str]) -> Routing | None:
    if assignment is None:
        return None

    claimed = assignment.claimed_by
    held = (assignment.trigger == "pounce" and assignment.outcome == "offer"
            and claimed is None and bool(assignment.offered_to))
    return Routing(assignment.rule_name, assignment.mode, _avatars(assignment.routed_to, names),
                   _avatars(assignment.offered_to, names),
                   None if claimed is None else _avatar(claimed, names),
                   assignment.explanation, held,
                   card_reason(assignment.reason, assignment.outcome))


def _avatar(user_id: int, names: dict[int, str]) -> Avatar:
    return Avatar(user_id, names.get(user_id, f"user {user_id}"))


def _avatars(ids: Iterable[int], names: dict[int, str]) -> list[Avatar]:
    return [_avatar(i, names) for i in ids]


def _said(visitor: Visitor) -> tuple[str, ...]:
    """Company size and industry as the visitor answered them: ("201–1000 employees",
    "Software")."""
    answers = visitor.chat_answers or {}
    size, industry = answers.get("company_size"), answers.get("industry")
    size = f"{size.replace('-', '–')} employees" if size else None
    return tuple(part for part in (size, industry) if part)


def _salesforce(visitor: Visitor) -> dict | None:
    """What the card says about Salesforce: the record's facts; {"status": "not_found"}
    (the card says "no match") or "unavailable"; None when there is nothing to say."""
    data = (visitor.crm or {}).get("salesforce") or {}
    if data.get("status") in ("not_found", "unavailable"):
        return {"status": data["status"]}
    found = {
        "record_type": data.get("record_type"),
        "owner": data.get("owner_name") or data.get("owner_email") or data.get("owner_id"),
        "account": data.get("account_name") or data.get("account_id"),
    }
    return found if any(found.values()) else None


@dataclass
class _Context:
    """Names and per-visitor Redis state loaded once for a batch of cards."""

    memberships: dict[str, Membership]
    assignments: dict[str, Assignment]
    viewers: dict[str, list[int]]
    starts: dict[int, float]
    chats: dict[str, ChatLine] = field(default_factory=dict)
    users: dict[int, str] = field(default_factory=dict)
    experiences: dict[int, str] = field(default_factory=dict)
    chose: dict[str, str] = field(default_factory=dict)

    def load_names(self, experiences: dict[int, str]) -> None:
        wanted = {i for a in self.assignments.values() for i in a.reps()}
        wanted |= {i for ids in self.viewers.values() for i in ids}
        self.users = user_names(wanted)
        self.experiences = experiences


def _card(visitor: Visitor, state: HotState | None, ctx: _Context) -> Card:
    member = ctx.memberships.get(visitor.id) or Membership()
    assignment = ctx.assignments.get(visitor.id)
    watching = ctx.viewers.get(visitor.id, [])
    return Card(
        id=visitor.id, name=visitor.display_name,
        company=visitor.company_name if visitor.company_name != visitor.display_name else None,
        location=", ".join(p for p in (visitor.city, visitor.country) if p),
        url=state.url if state else "", title=state.title if state else "",
        pages=state.pages if state else 0,
        started_at=ctx.starts.get(state.session_id) if state and state.session_id else None,
        presence=state.presence.state if state else "left",
        stream_id=member.stream_id,
        experience=ctx.experiences.get(member.experience_id or visitor.experience_id or 0),
        chose=ctx.chose.get(visitor.id), said=_said(visitor),
        industry=visitor.industry, employees=visitor.employees,
        revenue_band=visitor.revenue_band, abm_target=visitor.abm_target,
        abm_tier=visitor.abm_tier, lead_score=visitor.lead_score,
        lifecycle_stage=visitor.lifecycle_stage, salesforce=_salesforce(visitor),
        routing=_routing(assignment, ctx.users), chat=ctx.chats.get(visitor.id),
        viewers=_avatars(watching, ctx.users),
        routed_user_ids=frozenset(assignment.reps()) if assignment else frozenset(),
        viewer_ids=tuple(watching),
    )


def load(visitor_id: str) -> tuple[Card | None, int]:
    """One visitor's card (presence "left" when gone; None for an unknown visitor) and
    the cache generation (see `load_many`)."""
    found, generation = load_many([visitor_id])
    return found[visitor_id], generation


_PER_VISITOR = 5  # Redis reads queued per visitor by load_many


def load_many(visitor_ids: list[str]) -> tuple[dict[str, Card | None], int]:
    """These visitors' cards (None for an unknown visitor) and the cache generation, for
    the change bus's batches: one Redis round trip for every visitor's hot state,
    membership, assignment, viewers and flow answers; one query for the visitors (rows a
    membership evaluation just read are refreshed, not built again), one for their visits'
    start times, one for the reps' names, and one for the open conversations of claimed
    visitors. The number of queries does not grow with the batch."""
    ids = list(dict.fromkeys(visitor_ids))
    pipe = redis.client.pipeline(transaction=False)
    for visitor_id in ids:
        hot_state.queue_read(pipe, visitor_id)
        pipe.get(live_membership.membership_key(visitor_id))
        pipe.get(assignments.assignment_key(visitor_id))
        viewers.queue_current(pipe, visitor_id)
        pipe.get(chat_flow.answers_key(visitor_id))
    pipe.get(generation_key())
    pipe.get(live_membership.settings_version_key())
    raws = pipe.execute()
    generation, settings_version = raws[-2:]
    visitors = rows.load(Visitor, ids)
    states: dict[str, HotState] = {}
    ctx = _Context(memberships={}, assignments={}, viewers={}, starts={})
    for index, visitor_id in enumerate(ids):
        raw_state, raw_member, raw_assignment, raw_viewers, raw_answers = (
            raws[index * _PER_VISITOR:(index + 1) * _PER_VISITOR])
        if visitor_id not in visitors:
            continue
        state = hot_state.decode(raw_state)
        if state is not None:
            states[visitor_id] = state
        ctx.memberships[visitor_id] = (Membership.from_dict(_json(raw_member))
                                       if raw_member else Membership())
        assignment = assignments.decode(raw_assignment)
        if assignment is not None:
            ctx.assignments[visitor_id] = assignment
        ctx.viewers[visitor_id] = viewers.decode_current(raw_viewers)
        ctx.chose.update(chat_flow.chose_of(visitor_id, raw_answers))
    ctx.starts = _session_starts(sorted({s.session_id for s in states.values()
                                         if s.session_id is not None}))
    ctx.chats = chat_lines(_chatting(ctx.assignments))
    wanted = {m.experience_id or visitors[v].experience_id for v, m in ctx.memberships.items()}
    ctx.load_names({e: experience_name_at(settings_version, e) for e in wanted if e})
    found: dict[str, Card | None] = {
        vid: _card(visitors[vid], states.get(vid), ctx) if vid in visitors else None
        for vid in ids}
    return found, int(generation or 0)


def generation_key() -> str:
    """The rendered cards' cache generation (see `card_cache`), read with the cards."""
    return redis.key("board", "cards", "generation")


def card_for(visitor_id: str) -> Card | None:
    """One visitor's card (presence "left" when gone), or None for an unknown visitor."""
    return load(visitor_id)[0]
