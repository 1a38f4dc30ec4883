"""The events API's work: rate limits, hot presence, and the visitor's history.

The events API only accepts (`accept`: one Redis round trip, no SQL); `liveapp pipeline`
(services/tracking/pipeline.py) records the accepted events with `apply` and publishes with
`announce`. Page views, identify and leave write only what they change.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import bindparam, update

from liveapp.domain import visitor_presence
from liveapp.domain.events import UTM_FIELDS, Event, InvalidEvent, Landing, read_landing
from liveapp.errors import RateLimited
from liveapp.extensions import db
from liveapp.infra import ratelimit
from liveapp.models import PageView, Visitor, VisitSession
from liveapp.services.bus import changes
from liveapp.services.crm import visitor_enrichment
from liveapp.services.settings.sites import SiteInfo
from liveapp.services.tracking import hot_state, pipeline
from liveapp.services.tracking.hot_state import HotState

MAX_TRAIT_KEYS_STORED = 50


@dataclass
class Outcome:
    """What an event did, for the caller (tests, the simulator) to inspect."""

    visitor_id: str
    presence: str = ""


def to_datetime(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC).replace(tzinfo=None)


def accept(event: Event, site: SiteInfo, ip: str, now: float) -> Outcome:
    """The events API's whole work: rate limits and hot presence, then the event appended
    to the pipeline's stream in the same Redis round trip; no SQL and no change published
    here (`liveapp pipeline` records, with `apply`, and publishes, with `announce`).
    Raises RateLimited, InvalidEvent, or redis' ConnectionError/ResponseError when Redis
    cannot take it."""
    config = current_app.config
    window = config["TRACKING_RATE_WINDOW"]
    data = json.dumps({
        "site_id": site.id, "url": event.url, "title": event.title,
        "referrer": event.referrer, "active": event.active, "email": event.email,
        "traits": event.traits, "ip": ip, "at": now,
    })
    hit = hot_state.accept_hit(
        event.visitor_id, site.id, event.type, event.active, now,
        limit_keys=(ratelimit.window_key("events-ip", ip, window),
                    ratelimit.window_key("events-visitor", event.visitor_id, window)),
        limits=(config["TRACKING_IP_LIMIT"], config["TRACKING_VISITOR_LIMIT"]),
        window=window, stream=pipeline.stream_key(pipeline.shard_of(event.visitor_id)),
        event_id=str(uuid.uuid4()), data=data,
    )
    if hit.outcome == "limited":
        raise RateLimited()
    if hit.outcome == "foreign":
        raise InvalidEvent("visitor_id", "belongs to another site")
    return Outcome(event.visitor_id, presence=hit.after)


def _load_visitor(event: Event, site_id: int, now: float) -> tuple[Visitor, bool]:
    visitor = db.session.get(Visitor, event.visitor_id)
    if visitor is not None:
        if visitor.site_id != site_id:
            raise InvalidEvent("visitor_id", "belongs to another site")
        return visitor, False
    at = to_datetime(now)
    visitor = Visitor(id=event.visitor_id, site_id=site_id, first_seen=at, last_seen=at,
                      traits={}, crm={}, abm_target=False)
    db.session.add(visitor)
    return visitor, True


def _new_session(visitor: Visitor, event: Event, landing: Landing | None,
                 now: float) -> VisitSession:
    utm = landing.utm if landing else {}
    session = VisitSession(
        visitor_id=visitor.id, started_at=to_datetime(now), page_count=0,
        landing_url=landing.url if landing else None, referrer=event.referrer, **utm,
    )
    db.session.add(session)
    db.session.flush()
    return session


# A page view's hot-path statements, built once as Core statements with parameters:
# building an ORM-enabled UPDATE on every event cost several times running it.
_PAGE_VIEWS, _SESSIONS = PageView.__table__, VisitSession.__table__
_CLOSE_PAGE_VIEW = (
    _PAGE_VIEWS.update()
    .where(_PAGE_VIEWS.c.id == bindparam("page_view_id"),
           _PAGE_VIEWS.c.duration_seconds.is_(None))
    .values(duration_seconds=bindparam("seconds"))
)
_INSERT_PAGE_VIEW = _PAGE_VIEWS.insert().returning(_PAGE_VIEWS.c.id)
_COUNT_PAGE = (
    _SESSIONS.update().where(_SESSIONS.c.id == bindparam("session_id"))
    .values(page_count=_SESSIONS.c.page_count + 1, ended_at=None)
    .returning(_SESSIONS.c.page_count)
)


def _close_page_view(state: HotState | None, now: float) -> None:
    """The previous page's time on page, now that the next view (or leave) arrived."""
    if state is None or state.page_view_id is None or state.page_view_at is None:
        return
    db.session.execute(_CLOSE_PAGE_VIEW, {
        "page_view_id": state.page_view_id,
        "seconds": round(max(0.0, now - state.page_view_at), 3)})


def _merge_traits(visitor: Visitor, traits: dict) -> bool:
    if not traits:
        return False
    merged = {**(visitor.traits or {}), **traits}
    if merged == visitor.traits or len(merged) > MAX_TRAIT_KEYS_STORED:
        return False
    visitor.traits = merged
    name = traits.get("name")
    if isinstance(name, str) and name.strip():
        visitor.name = name.strip()[:120]
    return True


def identify(visitor: Visitor, email: str, source: str) -> bool:
    """Store who the visitor is; True when the email changed."""
    if visitor.email == email:
        return False
    visitor.email, visitor.email_source = email, source
    return True


@dataclass
class _Work:
    """What one recorded event changed, to publish after the commit (plain values taken
    before it: the commit expires the rows, and reading them again would cost a SELECT
    each for what this request itself just wrote)."""

    visitor_id: str = ""
    created: bool = False
    identified: bool = False
    page_view: dict | None = None  # url, title, page_view_id
    site_id: int | None = None
    email: str | None = None
    email_source: str | None = None


def _page_view(event: Event, visitor: Visitor, state: HotState | None, now: float,
               work: _Work, event_id: str | None = None) -> HotState:
    landing = read_landing(event.url)
    session_id = state.session_id if state else None
    # The visit goes on: count the page in one statement (no SELECT of the visit first).
    pages = _count_page(session_id) if session_id is not None else None
    if pages is None:  # a new visit (or its row is gone)
        session = _new_session(visitor, event, landing, now)
        session.page_count += 1
        session_id, pages = session.id, session.page_count
    _close_page_view(state, now)
    if db.session.new:  # a new visitor's row before their page's (a known one's last_seen
        db.session.flush()  # and ip are written with the batch's other updates at commit)
    view_id = db.session.execute(_INSERT_PAGE_VIEW, {
        "visitor_id": visitor.id, "session_id": session_id, "url": landing.url,
        "title": event.title, "referrer": event.referrer, "at": to_datetime(now),
        "event_id": event_id,
        **dict.fromkeys(UTM_FIELDS), **landing.utm}).scalar_one()
    work.page_view = {"url": landing.url, "title": event.title, "page_view_id": view_id}
    if landing.email:
        work.identified |= identify(visitor, landing.email, landing.source)
    base = state or HotState(visitor.site_id, visitor_presence.arrived(now))
    return replace(base, session_id=session_id, page_view_id=view_id, page_view_at=now,
                   url=landing.url, title=event.title or "", pages=pages)


def _count_page(session_id: int) -> int | None:
    """One more page in this visit, which goes on (ended_at cleared); its page count, or
    None when the visit's row is gone."""
    return db.session.execute(_COUNT_PAGE, {"session_id": session_id}).scalar()


def _identify_event(event: Event, visitor: Visitor, work: _Work) -> None:
    source = "form"
    if event.url:
        landing = read_landing(event.url)
        source = landing.source or source
    declared = event.traits.get("source")
    if isinstance(declared, str) and declared.lower() in ("outreach", "salesloft", "chat"):
        source = declared.lower()
    work.identified |= identify(visitor, event.email, source)


def _leave(visitor: Visitor, state: HotState, now: float) -> HotState:
    _close_page_view(state, now)
    if state.session_id is not None:
        db.session.execute(update(VisitSession).where(VisitSession.id == state.session_id)
                           .values(ended_at=to_datetime(now)))
    return replace(state, page_view_id=None, page_view_at=None)


def apply(event: Event, site_id: int, ip: str, state: HotState | None, now: float,
          event_id: str | None = None) -> tuple[_Work, HotState]:
    """Write one event's history in the open transaction, without committing (the events
    API commits each event; the pipeline commits a batch of them): what it changed, to
    announce after the commit, and the hot state after it (presence left as it was)."""
    visitor, created = _load_visitor(event, site_id, now)
    work = _Work(visitor_id=visitor.id, created=created)
    visitor.last_seen, visitor.ip = to_datetime(now), ip[:45]
    _merge_traits(visitor, event.traits)
    new_state = state or HotState(site_id, visitor_presence.arrived(now))
    if event.type == "page_view":
        new_state = _page_view(event, visitor, state, now, work, event_id)
    elif event.type == "identify":
        _identify_event(event, visitor, work)
    elif event.type == "leave":
        new_state = _leave(visitor, new_state, now)
    work.site_id, work.email, work.email_source = (
        visitor.site_id, visitor.email, visitor.email_source)
    return work, new_state


def announce(work: _Work, before: str | None, after: str, state: HotState) -> None:
    """Publish what a recorded event changed (after its commit): `before` and `after` are
    the presence states around it (before None for a visitor not known until now)."""
    visitor_id = work.visitor_id
    if work.created:
        changes.publish(visitor_id, "new_visitor", site_id=work.site_id)
    if work.page_view is not None:
        changes.publish(visitor_id, "page_view", **work.page_view, pages=state.pages)
    if work.identified:
        changes.publish(visitor_id, "identify", email=work.email, source=work.email_source)
    if before is None or before != after:
        changes.publish(visitor_id, "presence", state=after, before=before, url=state.url)
    if work.created or work.identified:
        visitor_enrichment.request(visitor_id)


def record_departure(visitor_id: str, state: HotState) -> None:
    """A visitor the expiry job found gone: close the page and the visit at the last sign
    (unless a `leave` already did, at its own, more precise time)."""
    last = state.presence.last_heartbeat
    gone = to_datetime(last)
    _close_page_view(state, last)
    if state.session_id is not None:
        db.session.execute(update(VisitSession).where(
            VisitSession.id == state.session_id, VisitSession.ended_at.is_(None)
        ).values(ended_at=gone))
    db.session.execute(update(Visitor).where(Visitor.id == visitor_id, Visitor.last_seen < gone)
                       .values(last_seen=gone))
    db.session.commit()


def expire_presence(now: float) -> list[hot_state.Transition]:
    """Move visitors on by time; close the visits of those who left; publish each change."""
    transitions = hot_state.expire_all(now)
    for transition in transitions:
        if transition.after == visitor_presence.LEFT:
            record_departure(transition.visitor_id, transition.state)
        changes.publish(transition.visitor_id, "presence", state=transition.after,
                        before=transition.before, url=transition.state.url)
    return transitions
