"""A visitor's timeline ("digital body language"): page views and offline messages from
the database, and experience, stream, routing, presence, bot answer and chat events kept
in a capped Redis list."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC

from sqlalchemy import select

from liveapp.extensions import db, redis
from liveapp.models import OfflineMessage, PageView

EVENTS_LIMIT = 200
PAGE_VIEWS_LIMIT = 100
EVENTS_TTL = 24 * 3600


@dataclass(frozen=True)
class Entry:
    """One line of the timeline: when, what kind, a short text, an optional detail."""

    at: float
    kind: str  # page_view | experience | stream | routing | identify | presence | meeting
    #   | bot (an answer to the bot) | chat (started, closed) | offline_message
    text: str
    detail: str = ""
    url: str = ""

    def to_json(self) -> str:
        return json.dumps(self.__dict__)


def _key(visitor_id: str) -> str:
    return redis.key("timeline", visitor_id)


def _last_routing_key(visitor_id: str) -> str:
    return redis.key("timeline", "routing-last", visitor_id)


def routing_changed(visitor_id: str, key: str) -> bool:
    """Remember `key` (`domain.timeline.routing_key`) as the visitor's latest routing
    decision; whether it differs from the one before. One atomic swap, so of two equal
    decisions recorded at once exactly one is new."""
    old = redis.client.set(_last_routing_key(visitor_id), key, ex=EVENTS_TTL, get=True)
    return old is None or old.decode() != key


def record(visitor_id: str, entry: Entry, pipe=None) -> Entry:
    """Append an event to the visitor's timeline (newest first, capped); on the caller's
    pipeline `pipe` if given (written when the caller executes it)."""
    own = pipe is None
    if own:
        pipe = redis.client.pipeline(transaction=True)
    pipe.lpush(_key(visitor_id), entry.to_json())
    pipe.ltrim(_key(visitor_id), 0, EVENTS_LIMIT - 1)
    pipe.expire(_key(visitor_id), EVENTS_TTL)
    if own:
        pipe.execute()
    return entry


def page_view_entry(url: str, title: str | None, at: float) -> Entry:
    return Entry(at=at, kind="page_view", text=title or url, url=url)


def _events(visitor_id: str) -> list[Entry]:
    entries = []
    for raw in redis.client.lrange(_key(visitor_id), 0, EVENTS_LIMIT - 1):
        try:
            entries.append(Entry(**json.loads(raw)))
        except (ValueError, TypeError):
            continue
    return entries


def _page_views(visitor_id: str) -> list[Entry]:
    views = db.session.scalars(
        select(PageView).where(PageView.visitor_id == visitor_id)
        .order_by(PageView.at.desc(), PageView.id.desc()).limit(PAGE_VIEWS_LIMIT)
    )
    return [page_view_entry(v.url, v.title, v.at.replace(tzinfo=UTC).timestamp())
            for v in views]


def _offline_messages(visitor_id: str) -> list[Entry]:
    left = db.session.scalars(
        select(OfflineMessage).where(OfflineMessage.visitor_id == visitor_id)
        .order_by(OfflineMessage.created_at.desc()).limit(PAGE_VIEWS_LIMIT))
    return [Entry(at=m.created_at.replace(tzinfo=UTC).timestamp(), kind="offline_message",
                  text=m.body, detail=f"from {m.email}") for m in left]


def entries(visitor_id: str) -> list[Entry]:
    """The whole timeline, newest first."""
    merged = _page_views(visitor_id) + _offline_messages(visitor_id) + _events(visitor_id)
    return sorted(merged, key=lambda e: e.at, reverse=True)
