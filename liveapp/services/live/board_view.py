"""The board's view model: who sees which live visitors, in which stream columns.

Cards come rendered from `cards` (rendered once per change, cached in Redis); a board is
the ids of the visitors its user may see, their cached cards grouped by stream column,
newest visit first.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup

from liveapp.extensions import db, redis
from liveapp.models import Stream, User
from liveapp.services.live import card_cache
from liveapp.services.live.card_cache import Placed
from liveapp.services.live.cards import OTHER_COLUMN
from liveapp.services.membership.streams import ordered_streams
from liveapp.services.routing import assignments
from liveapp.services.tracking import hot_state


@dataclass
class Column:
    """One stream (or the admins' "Other visitors") and its cards, newest first."""

    id: str
    name: str
    colour: str
    stream_id: int | None
    cards: list[Placed] = field(default_factory=list)

    @property
    def cards_html(self) -> Markup:
        # Cached cards were escaped when rendered.
        return Markup("".join(card.html for card in self.cards))  # noqa: S704


@dataclass
class Board:
    """A user's board: every column they may see (reps: empty ones are unnamed slots)."""

    scope: str  # "admin" | "rep"
    columns: list[Column]

    @property
    def card_count(self) -> int:
        return sum(len(c.cards) for c in self.columns)


# ---------------------------------------------------------------- boards


def _columns(placed: list[Placed], scope: str) -> list[Column]:
    streams = ordered_streams()
    known = {s.id for s in streams}
    by_column: dict[str, list[Placed]] = {}
    for card in sorted(placed, key=lambda c: c.started_at, reverse=True):
        column = f"stream-{card.stream_id}" if card.stream_id in known else OTHER_COLUMN
        by_column.setdefault(column, []).append(card)
    columns = [Column(f"stream-{s.id}", s.name, s.colour, s.id,
                      by_column.get(f"stream-{s.id}", [])) for s in streams]
    if scope == "admin":
        columns.append(Column(OTHER_COLUMN, "Other visitors", "#4b5563", None,
                              by_column.get(OTHER_COLUMN, [])))
    return columns


def _live_ids(candidates: list[str] | None = None) -> list[str]:
    """Visitors not yet left (all of them, or those among `candidates`)."""
    key = hot_state.heartbeats_key()
    if candidates is None:
        return [m.decode() for m in redis.client.zrevrange(key, 0, hot_state.LIVE_LIMIT - 1)]
    if not candidates:
        return []
    scores = redis.client.zmscore(key, candidates)
    return [vid for vid, score in zip(candidates, scores, strict=True) if score is not None]


def board_for(user: User) -> Board:
    """The board this user may see: admins every live visitor, reps their routed ones
    that are in a stream."""
    if user.is_admin:
        return Board("admin", _columns(card_cache.placed_many(_live_ids()), "admin"))
    ids = _live_ids(sorted(assignments.visible_to_rep(user.id)))
    placed = [p for p in card_cache.placed_many(ids)
              if p.stream_id is not None and user.id in p.reps]
    return Board("rep", _columns(placed, "rep"))


def stream_by_id(stream_id: int) -> Stream | None:
    return db.session.get(Stream, stream_id)
