"""Rendered cards, kept in Redis with what a board needs to place them (stream, reps,
when the visit started), so a board of thousands of visitors is a concatenation.

Every visible change goes through `boards.refresh_many()`, which renders the card once
(`Rendered`) and stores it here. Settings changes (experience and stream names) start a new cache
generation; renaming a user shows on cached cards at the visitor's next change (or after
CACHE_TTL).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass

from markupsafe import Markup

from liveapp.extensions import redis
from liveapp.services.live import cards
from liveapp.services.live.cards import Card
from liveapp.services.live.rendering import render_fragment, render_template_anywhere

CACHE_TTL = 30 * 60  # seconds: as long as a visit lasts without a sign


def render(card: Card) -> str:
    """The card fragment (board/_card.html)."""
    return render_template_anywhere("board/_card.html", card=card)


@dataclass
class Rendered:
    """A card rendered for a change: its inside (the costly part) once, wrapped as the card
    (boards, cache, inserts) and, when some board or detail page needs it, as an in-place
    out-of-band update. Shared by every channel the change goes to."""

    card: Card
    content: Markup
    html: str

    @classmethod
    def of(cls, card: Card) -> Rendered:
        content = render_fragment("board/_card_content.html", card=card)
        return cls(card, content, render_template_anywhere(
            "board/_card.html", card=card, content=content))

    @functools.cached_property
    def oob(self) -> str:
        return render_template_anywhere("board/_card.html", card=self.card,
                                        content=self.content, oob=True)


@dataclass(frozen=True)
class Placed:
    """A rendered card and what a board needs to place it."""

    id: str
    started_at: float
    stream_id: int | None
    reps: frozenset[int]
    html: str

    def encode(self) -> str:
        header = json.dumps([self.started_at, self.stream_id, sorted(self.reps)])
        return header + "\n" + self.html

    @classmethod
    def decode(cls, visitor_id: str, raw: bytes) -> Placed:
        header, _, html = raw.decode().partition("\n")
        started_at, stream_id, reps = json.loads(header)
        return cls(visitor_id, started_at, stream_id, frozenset(reps), html)

    @classmethod
    def of(cls, card: Card, html: str) -> Placed:
        return cls(card.id, card.started_at or 0.0, card.stream_id, card.routed_user_ids, html)


def _generation() -> int:
    return int(redis.client.get(cards.generation_key()) or 0)


def new_generation() -> None:
    """Settings changed (names of experiences, streams): every cached card is stale."""
    redis.client.incr(cards.generation_key())


def cache_key(generation: int, visitor_id: str) -> str:
    return redis.key("board", "card", generation, visitor_id)


def store(placed: Iterable[Placed]) -> None:
    """Keep rendered cards for the boards to reuse."""
    generation = _generation()
    pipe = redis.client.pipeline(transaction=False)
    for item in placed:
        pipe.set(cache_key(generation, item.id), item.encode(), ex=CACHE_TTL)
    pipe.execute()


def placed_many(ids: list[str]) -> list[Placed]:
    """Rendered cards of these visitors, the live ones: from the cache, the missing ones
    loaded in bulk (`cards.load_many`), rendered and cached. Unknown visitors and those
    who left are left out."""
    if not ids:
        return []
    generation = _generation()
    raws = redis.client.mget([cache_key(generation, vid) for vid in ids])
    found = {vid: Placed.decode(vid, raw) for vid, raw in zip(ids, raws, strict=True) if raw}
    missing = [vid for vid in ids if vid not in found]
    if missing:
        loaded, _ = cards.load_many(missing)
        built = [Placed.of(card, render(card)) for card in loaded.values()
                 if card is not None and card.live]
        store(built)
        found.update((p.id, p) for p in built)
    return [found[vid] for vid in ids if vid in found]
