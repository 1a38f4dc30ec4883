"""The board's view models: live visitors as cards in stream columns, loaded in bulk.

A board is built from Redis (hot presence, memberships, assignments, viewers) and a few
bulk queries (visitors, their visits' start times, user and experience names): the
number of queries does not grow with the number of visitors.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC

from flask import abort
from sqlalchemy import select

from liveapp.domain.streams import Membership
from liveapp.extensions import db, redis
from liveapp.models import Experience, Stream, User, Visitor, VisitSession
from liveapp.services import assignments, membership, presence, viewers
from liveapp.services.assignments import Assignment
from liveapp.services.presence import HotState
from liveapp.services.streams import ordered_streams

OTHER_COLUMN = "stream-other"
CHUNK = 500  # ids per IN (...) query


@dataclass(frozen=True)
class Routing:
    """A visitor's routing status in people's names."""

    rule_name: str
    mode: str
    routed_to: list[str]
    offered_to: list[str]
    claimed_by: str | None
    explanation: str

    @property
    def mode_label(self) -> str:
        return self.mode.replace("_", " ").capitalize()


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
    industry: str | None = None
    employees: int | None = None
    revenue_band: str | None = None
    abm_target: bool = False
    abm_tier: str | None = None
    lead_score: int | None = None
    lifecycle_stage: str | None = None
    salesforce: dict | None = None
    routing: Routing | None = None
    viewers: list[str] = field(default_factory=list)
    routed_user_ids: frozenset[int] = frozenset()

    @property
    def live(self) -> bool:
        return self.presence in ("active", "idle")

    @property
    def column_id(self) -> str:
        return f"stream-{self.stream_id}" if self.stream_id is not None else OTHER_COLUMN


@dataclass
class Column:
    """One stream (or the admins' "Other visitors") and its cards, newest first."""

    id: str
    name: str
    colour: str
    stream_id: int | None
    cards: list[Card] = field(default_factory=list)


@dataclass
class Board:
    """A user's board: every column they may see (reps: empty ones are unnamed slots)."""

    scope: str  # "admin" | "rep"
    columns: list[Column]

    @property
    def card_count(self) -> int:
        return sum(len(c.cards) for c in self.columns)


# ---------------------------------------------------------------- bulk loading


def _chunks(ids: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def _visitors(ids: list[str]) -> dict[str, Visitor]:
    found = {}
    for chunk in _chunks(ids):
        found.update((v.id, v) for v in db.session.scalars(
            select(Visitor).where(Visitor.id.in_(chunk))))
    return found


def _session_starts(session_ids: list[int]) -> dict[int, float]:
    starts = {}
    for start in range(0, len(session_ids), CHUNK):
        rows = db.session.execute(select(VisitSession.id, VisitSession.started_at).where(
            VisitSession.id.in_(session_ids[start:start + CHUNK])))
        starts.update((sid, at.replace(tzinfo=UTC).timestamp()) for sid, at in rows)
    return starts


def _memberships(ids: list[str]) -> dict[str, Membership]:
    if not ids:
        return {}
    raws = redis.client.mget([membership.membership_key(v) for v in ids])
    return {vid: Membership.from_dict(_json(raw)) for vid, raw in zip(ids, raws, strict=True)
            if raw}


def _json(raw: bytes) -> dict:
    try:
        return json.loads(raw)
    except ValueError:
        return {}


def user_names() -> dict[int, str]:
    return dict(db.session.execute(select(User.id, User.name)).all())


def experience_names() -> dict[int, str]:
    return dict(db.session.execute(select(Experience.id, Experience.name)).all())


def live_states(ids: Iterable[str]) -> dict[str, HotState]:
    """Hot state of these visitors, the ones still on the site only."""
    ids = list(ids)
    pipe = redis.client.pipeline(transaction=False)
    for visitor_id in ids:
        presence.queue_read(pipe, visitor_id)
    states = {}
    for visitor_id, raw in zip(ids, pipe.execute() if ids else [], strict=True):
        state = presence.decode(raw)
        if state is not None and state.presence.state != "left":
            states[visitor_id] = state
    return states


# ---------------------------------------------------------------- cards


def _routing(assignment: Assignment | None, names: dict[int, str]) -> Routing | None:
    if assignment is None:
        return None

    def named(ids):
        return [names.get(i, f"user {i}") for i in ids]

    claimed = assignment.claimed_by
    return Routing(assignment.rule_name, assignment.mode, named(assignment.routed_to),
                   named(assignment.offered_to),
                   None if claimed is None else names.get(claimed, f"user {claimed}"),
                   assignment.explanation)


def _salesforce(visitor: Visitor) -> dict | None:
    data = (visitor.crm or {}).get("salesforce") or {}
    if not data:
        return None
    return {
        "record_type": data.get("record_type"),
        "owner": data.get("owner_name") or data.get("owner_email") or data.get("owner_id"),
        "account": data.get("account_name") or data.get("account_id"),
    }


@dataclass
class _Context:
    """Names and per-visitor Redis state loaded once for a batch of cards."""

    users: dict[int, str]
    experiences: dict[int, str]
    memberships: dict[str, Membership]
    assignments: dict[str, Assignment]
    viewers: dict[str, list[int]]
    starts: dict[int, float]


def _card(visitor: Visitor, state: HotState | None, ctx: _Context) -> Card:
    member = ctx.memberships.get(visitor.id) or Membership()
    assignment = ctx.assignments.get(visitor.id)
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
        industry=visitor.industry, employees=visitor.employees,
        revenue_band=visitor.revenue_band, abm_target=visitor.abm_target,
        abm_tier=visitor.abm_tier, lead_score=visitor.lead_score,
        lifecycle_stage=visitor.lifecycle_stage, salesforce=_salesforce(visitor),
        routing=_routing(assignment, ctx.users),
        viewers=[ctx.users.get(i, f"user {i}") for i in ctx.viewers.get(visitor.id, ())],
        routed_user_ids=frozenset(assignment.reps()) if assignment else frozenset(),
    )


def build_cards(states: dict[str, HotState], extra_ids: Iterable[str] = ()) -> list[Card]:
    """Cards of these visitors (their hot state given; `extra_ids` have none), in bulk."""
    ids = list(dict.fromkeys([*states, *extra_ids]))
    visitors = _visitors(ids)
    ids = [vid for vid in ids if vid in visitors]
    ctx = _Context(
        users=user_names(), experiences=experience_names(),
        memberships=_memberships(ids), assignments=assignments.get_many(ids),
        viewers=viewers.current_many(ids),
        starts=_session_starts(sorted({s.session_id for s in states.values()
                                       if s.session_id is not None})),
    )
    return [_card(visitors[vid], states.get(vid), ctx) for vid in ids]


def card_for(visitor_id: str) -> Card | None:
    """One visitor's card (presence "left" when gone), or None for an unknown visitor."""
    state = presence.load(visitor_id)
    states = {visitor_id: state} if state is not None else {}
    cards = build_cards(states, [visitor_id])
    return cards[0] if cards else None


# ---------------------------------------------------------------- boards


def _columns(cards: list[Card], scope: str) -> list[Column]:
    streams = ordered_streams()
    known = {s.id for s in streams}
    by_column: dict[str, list[Card]] = {}
    for card in sorted(cards, key=lambda c: c.started_at or 0.0, reverse=True):
        column = card.column_id if card.stream_id in known else OTHER_COLUMN
        by_column.setdefault(column, []).append(card)
    columns = [Column(f"stream-{s.id}", s.name, s.colour, s.id, by_column.get(f"stream-{s.id}", []))
               for s in streams]
    if scope == "admin":
        columns.append(Column(OTHER_COLUMN, "Other visitors", "#4b5563", None,
                              by_column.get(OTHER_COLUMN, [])))
    return columns


def board_for(user: User) -> Board:
    """The board this user may see: admins every live visitor, reps their routed ones."""
    if user.is_admin:
        states = presence.live()
        states = {vid: s for vid, s in states.items() if s.presence.state != "left"}
        return Board("admin", _columns(build_cards(states), "admin"))
    states = live_states(sorted(assignments.visible_to_rep(user.id)))
    cards = [c for c in build_cards(states) if c.stream_id is not None]
    return Board("rep", _columns(cards, "rep"))


def may_see(user: User, visitor_id: str) -> bool:
    """Admins see every visitor; a rep only those routed/offered to or claimed by them."""
    if user.is_admin:
        return True
    assignment = assignments.get(visitor_id)
    return assignment is not None and user.id in assignment.reps()


def get_visitor_for(user: User, visitor_id: str) -> Visitor:
    """The visitor, or 404 when it does not exist or this user may not see it."""
    if not may_see(user, visitor_id):
        abort(404)
    visitor = db.session.get(Visitor, visitor_id)
    if visitor is None:
        abort(404)
    return visitor


def stream_by_id(stream_id: int) -> Stream | None:
    return db.session.get(Stream, stream_id)
