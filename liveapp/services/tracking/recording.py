"""Recording a batch of accepted events: each visitor's history in the database (through
`visitor_events.apply`) and their hot state, in stream order, in one transaction.

An entry delivered again after its commit is not recorded twice: its page view is found
by event id, and a hot-state write that died with the earlier delivery is put back.
"""

from __future__ import annotations

import logging
from datetime import UTC
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from liveapp.domain.events import Event, InvalidEvent
from liveapp.extensions import db, redis
from liveapp.models import PageView, Visitor
from liveapp.services.bus import changes, rows
from liveapp.services.tracking import hot_state, visitor_events
from liveapp.services.tracking.hot_state import HotState

if TYPE_CHECKING:  # the pipeline hands its entries here and imports this module
    from liveapp.services.tracking.pipeline import Entry

log = logging.getLogger(__name__)


def _event(entry: Entry) -> Event:
    data = entry.data
    return Event(site_key="", visitor_id=entry.visitor_id, type=entry.type,
                 url=data.get("url"), title=data.get("title"), referrer=data.get("referrer"),
                 active=bool(data.get("active", True)), email=data.get("email"),
                 traits=data.get("traits") or {})


def _hot_states(visitor_ids: list[str]) -> dict[str, HotState | None]:
    pipe = redis.client.pipeline(transaction=False)
    for visitor_id in visitor_ids:
        hot_state.queue_read(pipe, visitor_id)
    return {v: hot_state.decode(raw) for v, raw in zip(visitor_ids, pipe.execute(), strict=True)}


def _recorded_page_views(event_ids: list[str]) -> dict:
    """The page views already recorded for these event ids (earlier deliveries)."""
    if not event_ids:
        return {}
    rows = db.session.execute(
        select(PageView.event_id, PageView.id, PageView.session_id, PageView.at,
               PageView.url, PageView.title).where(PageView.event_id.in_(event_ids)))
    return {row.event_id: row for row in rows}


def _restored(state: HotState | None, row, at: float) -> HotState | None:
    """The hot state with an already recorded page view put back, when the delivery that
    recorded it died between its commit and its hot-state write; None when the hot state
    holds that page view or a later one already (or is gone: nothing to put it into)."""
    if state is None:
        return None
    if ((state.page_view_id is not None and state.page_view_id >= row.id)
            or (state.page_view_at is not None and state.page_view_at >= at)
            or (state.session_id is not None and state.session_id > row.session_id)):
        return None
    # The visit's page count as of this page view (later ones of it are not recorded yet:
    # a visitor's entries are processed in order).
    pages = db.session.scalar(select(func.count()).select_from(PageView).where(
        PageView.session_id == row.session_id, PageView.id <= row.id))
    return HotState(state.site_id, state.presence, session_id=row.session_id,
                    page_view_id=row.id, page_view_at=at, url=row.url,
                    title=row.title or "", pages=pages)


def record_batch(entries: list[Entry], check: bool = True
                 ) -> tuple[list, dict[str, HotState]]:
    """Record the batch in the open transaction and commit: the announcements to make, in
    stream order, and each touched visitor's hot state after it. `check`: look up which
    page views an earlier delivery recorded (not needed when every entry is fresh)."""
    recorded = _recorded_page_views(
        [e.event_id for e in entries if e.type == "page_view"]) if check else {}
    done = set(recorded)
    visitor_ids = list(dict.fromkeys(e.visitor_id for e in entries))
    states = _hot_states(visitor_ids)
    # The batch's known visitors in one query (as they are now, not as an earlier batch
    # left them in the session): visitor_events.apply, then membership and the cards, find them
    # in the session.
    known = db.session.scalars(select(Visitor).where(Visitor.id.in_(visitor_ids))
                               .execution_options(populate_existing=True)).all()
    touched: dict[str, HotState] = {}
    announcements: list = []
    for entry in entries:
        if entry.type == "heartbeat" and entry.before:
            # A known visitor's heartbeat: the request applied it; only its change of
            # presence is left to publish (the stream has no other heartbeats).
            announcements.append(("presence", entry))
            continue
        if entry.type == "page_view":
            row = recorded.get(entry.event_id)
            if row is not None:  # recorded by an earlier delivery of this entry
                # The event's own time: the row's is rounded to the microsecond.
                at = float(entry.data.get("at") or row.at.replace(tzinfo=UTC).timestamp())
                restored = _restored(states.get(entry.visitor_id), row, at)
                if restored is not None:
                    # That delivery died after its commit, before its hot-state write; its
                    # dispatch (which follows that write) did not happen either: do both.
                    states[entry.visitor_id] = touched[entry.visitor_id] = restored
                    work = visitor_events._Work(  # noqa: SLF001 (tracking's own record of a change)
                        visitor_id=entry.visitor_id, site_id=restored.site_id,
                        page_view={"url": row.url, "title": row.title,
                                   "page_view_id": row.id})
                    announcements.append(("recorded", entry, work, restored))
                continue
            if entry.event_id in done:
                continue  # the same entry twice in one batch
            done.add(entry.event_id)
        if entry.type == "leave" and states.get(entry.visitor_id) is None:
            continue  # nothing known to close (its hot state expired meanwhile)
        try:
            work, new_state = visitor_events.apply(
                _event(entry), entry.data["site_id"], entry.data.get("ip") or "",
                states.get(entry.visitor_id), float(entry.data["at"]), entry.event_id)
        except InvalidEvent as invalid:
            # A visitor of another site not in hot state: the request could not tell.
            log.warning("pipeline: event %s skipped: %s", entry.event_id, invalid)
            continue
        states[entry.visitor_id] = touched[entry.visitor_id] = new_state
        announcements.append(("recorded", entry, work, new_state))
    with rows.keeping_loaded():
        db.session.commit()
    # Held for the unit of work: the identity map keeps rows only while referred to.
    changes.keep(known)
    return announcements, touched
