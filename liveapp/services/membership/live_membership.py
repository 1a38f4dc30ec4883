"""Live membership: each visitor's segments, experience and stream, recomputed on change.

On every visible visitor change (page view, identify, enrichment, CRM result, presence)
the visitor's facts are rebuilt and evaluated against the compiled settings; when the
membership differs from the stored one it is saved in Redis, a received experience is
recorded on the visitor, and a "membership" change is published for the board.
Saving a segment, experience or stream bumps a settings version in Redis: every process
recompiles on its next evaluation, and a job re-evaluates the visitors live now.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import bindparam, func, select

import jobs
from jobs import membership as membership_jobs
from liveapp.domain import criteria as criteria_engine
from liveapp.domain.facts import VisitorFacts
from liveapp.domain.membership import MembershipRules, evaluate
from liveapp.domain.streams import Membership, MembershipChange, Stream, diff
from liveapp.domain.widget import answer_facts
from liveapp.extensions import db, redis
from liveapp.models import PageView, Segment, Visitor, VisitSession
from liveapp.models import Stream as StreamRow
from liveapp.services.bus import changes, rows
from liveapp.services.membership.experiences import domain_experiences
from liveapp.services.tracking import hot_state

log = logging.getLogger(__name__)

VISITED_URLS_LIMIT = 200
MEMBERSHIP_TTL = 24 * 3600
# Changes that cannot alter membership on their own (and our own announcements).
IGNORED_KINDS = frozenset({"membership", "routing", "meeting", "settings"})


# ---------------------------------------------------------------- compiled settings


@dataclass
class _Compiled:
    version: str
    rules: MembershipRules


_cache: dict[str, _Compiled] = {}


SETTINGS_NOTE = "settings-version"  # the version read once per unit of work (changes.note)


def settings_version_key() -> str:
    return redis.key("settings", "version")


def bump_settings_version() -> str:
    """Tell every process that segments, experiences or streams changed.

    The version is a random token, not a counter: after Redis loses its data a counter
    would start again and could meet a stale cached number.
    """
    token = uuid.uuid4().hex
    redis.client.set(settings_version_key(), token)
    changes.note(SETTINGS_NOTE, token.encode())
    return token


def settings_stamp(token: bytes | None = None) -> str:
    """The current settings version token: compare, never order. `token`: the key's value
    just read by the caller (in a pipeline of its own), else it is read here.

    A Redis that lost the token (emptied, restarted without persistence) gets a new one
    here, so a process's rules compiled under the old token can never match again.
    """
    if token is None:
        token = changes.noted(SETTINGS_NOTE) or redis.client.get(settings_version_key())
    if token is None:
        redis.client.set(settings_version_key(), uuid.uuid4().hex, nx=True)
        token = redis.client.get(settings_version_key())
    changes.note(SETTINGS_NOTE, token)  # the rest of the unit of work asks no more
    return token.decode()


def load_rules() -> MembershipRules:
    """Segments, experiences and streams from the database, compiled."""
    segments = {s.id: s.criteria for s in db.session.scalars(select(Segment))}
    streams = [
        Stream(s.id, s.name, s.position, frozenset(x.id for x in s.segments),
               frozenset(x.id for x in s.experiences))
        for s in db.session.scalars(select(StreamRow))
    ]
    return MembershipRules.build(segments, domain_experiences(), streams)


def current_rules(token: bytes | None = None) -> MembershipRules:
    """The compiled settings, recompiled only when the settings version moved (`token`:
    the version key's value if the caller just read it)."""
    version = settings_stamp(token)
    cached = _cache.get(redis.key())
    if cached is None or cached.version != version:
        cached = _Compiled(version, load_rules())
        _cache[redis.key()] = cached
    return cached.rules


# ---------------------------------------------------------------- facts


def _crm_facts(crm: dict) -> dict:
    """Salesforce facts for criteria; unknown (None) until a look-up answered."""
    salesforce = (crm or {}).get("salesforce") or {}
    known = bool(salesforce) and salesforce.get("status", "ok") in ("ok", "not_found")
    record_type = salesforce.get("record_type")
    return {
        "is_contact": record_type == "Contact" if known else None,
        "is_lead": record_type == "Lead" if known else None,
        "account_type": salesforce.get("account_type"),
        "owner_known": bool(salesforce.get("owner_email") or salesforce.get("owner_id"))
        if known else None,
    }


# Built once (every evaluation runs them; building them cost more than running them).
_VISITED_URLS = (
    select(PageView.url).where(PageView.visitor_id == bindparam("visitor_id"))
    .group_by(PageView.url).order_by(func.max(PageView.at).desc()).limit(VISITED_URLS_LIMIT)
)
_SESSION_COUNT = select(func.count(VisitSession.id)).where(
    VisitSession.visitor_id == bindparam("visitor_id"))
_IDS = bindparam("ids", expanding=True)
_URL_RANKS = (
    select(PageView.visitor_id, PageView.url,
           func.row_number().over(partition_by=PageView.visitor_id,
                                  order_by=func.max(PageView.at).desc()).label("rank"))
    .where(PageView.visitor_id.in_(_IDS)).group_by(PageView.visitor_id, PageView.url)
    .subquery()
)
_VISITED_URLS_MANY = (
    select(_URL_RANKS.c.visitor_id, _URL_RANKS.c.url)
    .where(_URL_RANKS.c.rank <= VISITED_URLS_LIMIT)
    .order_by(_URL_RANKS.c.visitor_id, _URL_RANKS.c.rank)
)
_SESSION_COUNTS = (select(VisitSession.visitor_id, func.count(VisitSession.id))
                   .where(VisitSession.visitor_id.in_(_IDS)).group_by(VisitSession.visitor_id))


def facts_for(visitor: Visitor, state: hot_state.HotState | None, now: float) -> VisitorFacts:
    """What criteria can see of this visitor right now."""
    session = db.session.get(VisitSession, state.session_id) if state and state.session_id else None
    visited = db.session.scalars(_VISITED_URLS, {"visitor_id": visitor.id}).all()
    sessions = db.session.scalar(_SESSION_COUNT, {"visitor_id": visitor.id})
    return build_facts(visitor, state, session, tuple(visited), sessions or 0, now)


def live_facts(now: float, limit: int = hot_state.LIVE_LIMIT) -> list[VisitorFacts]:
    """Facts of every live visitor, loaded in a few bulk queries (for previews)."""
    states = {v: s for v, s in hot_state.live(limit).items() if s.presence.state != "left"}
    if not states:
        return []
    ids = list(states)
    visitors = db.session.scalars(select(Visitor).where(Visitor.id.in_(ids))).all()
    session_ids = [s.session_id for s in states.values() if s.session_id]
    sessions = {s.id: s for s in db.session.scalars(
        select(VisitSession).where(VisitSession.id.in_(session_ids)))}
    counts = dict(db.session.execute(
        select(VisitSession.visitor_id, func.count(VisitSession.id))
        .where(VisitSession.visitor_id.in_(ids)).group_by(VisitSession.visitor_id)).all())
    urls: dict[str, list[str]] = {}
    for visitor_id, url in db.session.execute(
            select(PageView.visitor_id, PageView.url).where(PageView.visitor_id.in_(ids))
            .distinct()):
        urls.setdefault(visitor_id, []).append(url)
    return [
        build_facts(v, states[v.id], sessions.get(states[v.id].session_id),
                    tuple(urls.get(v.id, ())[:VISITED_URLS_LIMIT]), counts.get(v.id, 0), now)
        for v in visitors
    ]


def build_facts(visitor: Visitor, state: hot_state.HotState | None,
                session: VisitSession | None, visited_urls: tuple[str, ...], sessions: int,
                now: float) -> VisitorFacts:
    """VisitorFacts from a visitor's loaded rows and hot state."""
    return VisitorFacts(
        current_url=state.url if state else None,
        visited_urls=visited_urls,
        page_count=state.pages if state else 0,
        time_on_site_seconds=max(0.0, now - _utc_ts(session.started_at)) if session else 0,
        sessions=sessions,
        referrer=session.referrer if session else None,
        utm_source=session.utm_source if session else None,
        utm_medium=session.utm_medium if session else None,
        utm_campaign=session.utm_campaign if session else None,
        utm_term=session.utm_term if session else None,
        utm_content=session.utm_content if session else None,
        email=visitor.email,
        name=visitor.name,
        company_name=visitor.company_name,
        company_domain=visitor.company_domain,
        industry=visitor.industry,
        employees=visitor.employees,
        revenue_band=visitor.revenue_band,
        country=visitor.country,
        is_target_account=visitor.abm_target,
        abm_tier=visitor.abm_tier,
        lead_score=visitor.lead_score,
        lifecycle_stage=visitor.lifecycle_stage,
        experience_id=visitor.experience_id,
        experiences_received=frozenset(visitor.experiences_received or ()),
        **answer_facts(visitor.chat_answers),
        **_crm_facts(visitor.crm),
    )


def count_matching(criteria: dict, now: float | None = None) -> int:
    """How many live visitors match these (valid) criteria right now."""
    test = criteria_engine.compile(criteria)
    return sum(1 for facts in live_facts(time.time() if now is None else now) if test(facts))


def _utc_ts(moment: datetime) -> float:
    """Seconds since the epoch of a naive UTC datetime (how the models store time)."""
    return moment.replace(tzinfo=UTC).timestamp()


# ---------------------------------------------------------------- stored membership


def membership_key(visitor_id: str) -> str:
    return redis.key("membership", visitor_id)


def stored(visitor_id: str) -> Membership | None:
    return _decode_stored(redis.client.get(membership_key(visitor_id)))


def _decode_stored(raw: bytes | None) -> Membership | None:
    return Membership.from_dict(json.loads(raw)) if raw else None


# ---------------------------------------------------------------- evaluation


def reevaluate(visitor_id: str, now: float | None = None) -> MembershipChange | None:
    """Recompute one visitor's membership; publish and return the change if any."""
    return reevaluate_many([visitor_id], now).get(visitor_id)


def reevaluate_many(visitor_ids: list[str], now: float | None = None
                    ) -> dict[str, MembershipChange]:
    """Recompute these visitors' memberships in bulk: one Redis round trip to read their
    hot states and stored memberships, four queries for their rows and histories (see
    `_Loaded`), one round trip to store what changed, one commit for the experiences
    they received. Publishes each change; returns them by visitor (unchanged ones left
    out)."""
    now = time.time() if now is None else now
    ids = list(dict.fromkeys(visitor_ids))
    if not ids:
        return {}
    pipe = redis.client.pipeline(transaction=False)  # the Redis reads in one round trip
    for visitor_id in ids:
        hot_state.queue_read(pipe, visitor_id)
        pipe.get(membership_key(visitor_id))
    pipe.get(settings_version_key())
    raws = pipe.execute()
    token = raws[-1]
    states = {vid: hot_state.decode(raws[2 * i]) for i, vid in enumerate(ids)}
    olds = {vid: _decode_stored(raws[2 * i + 1]) for i, vid in enumerate(ids)}
    present = [vid for vid in ids
               if states[vid] is not None and states[vid].presence.state != "left"]
    loaded = _Loaded.of(present, states) if present else None
    rules = current_rules(token) if present else None
    found: dict[str, MembershipChange] = {}
    store = redis.client.pipeline(transaction=False)
    received = False
    for visitor_id in ids:
        old, state = olds[visitor_id], states[visitor_id]
        visitor = loaded.visitors.get(visitor_id) if loaded else None
        if visitor is None or visitor_id not in present:
            if old is not None:
                store.delete(membership_key(visitor_id))
                found[visitor_id] = diff(old, Membership())
            continue
        new = evaluate(rules, loaded.facts(visitor, state, now))
        change = diff(old, new)
        if old is not None and not change.changed:
            continue
        store.set(membership_key(visitor_id), json.dumps(new.to_dict()), ex=MEMBERSHIP_TTL)
        received |= _receive_experience(visitor, new.experience_id)
        found[visitor_id] = change
    if len(store):
        store.execute()
    if received:
        with rows.keeping_loaded():  # the cards built next read these rows again
            db.session.commit()
    for visitor_id, change in found.items():
        _announce(visitor_id, change)
    return found


@dataclass
class _Loaded:
    """The rows criteria need of several visitors, loaded together: the visitors, their
    current visits, their visited URLs (most recent first, VISITED_URLS_LIMIT each) and
    their visit counts, one query each."""

    visitors: dict[str, Visitor]
    sessions: dict[int, VisitSession]
    urls: dict[str, list[str]]
    counts: dict[str, int]

    @classmethod
    def of(cls, ids: list[str], states: dict[str, hot_state.HotState | None]) -> _Loaded:
        visitors = rows.load(Visitor, ids)  # the batch's record phase has them loaded
        session_ids = sorted({s.session_id for s in states.values() if s and s.session_id})
        sessions = {s.id: s for s in db.session.scalars(
            select(VisitSession).where(VisitSession.id.in_(session_ids)))} if session_ids else {}
        urls: dict[str, list[str]] = {}
        for visitor_id, url in db.session.execute(_VISITED_URLS_MANY, {"ids": ids}):
            urls.setdefault(visitor_id, []).append(url)
        counts = dict(db.session.execute(_SESSION_COUNTS, {"ids": ids}).all())
        # Held for the rest of the unit of work: the identity map keeps rows only while
        # something refers to them, and the cards built right after read these.
        changes.keep(visitors.values(), sessions.values())
        return cls(visitors, sessions, urls, counts)

    def facts(self, visitor: Visitor, state: hot_state.HotState, now: float) -> VisitorFacts:
        session = self.sessions.get(state.session_id) if state.session_id else None
        return build_facts(visitor, state, session, tuple(self.urls.get(visitor.id, ())),
                           self.counts.get(visitor.id, 0), now)


def _receive_experience(visitor: Visitor, experience_id: int | None) -> bool:
    """Note a received experience on the visitor's row (committed by the caller); whether
    the row changed."""
    if experience_id is None or visitor.experience_id == experience_id:
        return False
    visitor.experience_id = experience_id
    visitor.experiences_received = sorted({*(visitor.experiences_received or ()), experience_id})
    return True


def _announce(visitor_id: str, change: MembershipChange) -> None:
    changes.publish(
        visitor_id, "membership",
        old=change.old.to_dict(), new=change.new.to_dict(),
        stream_changed=change.stream_changed, experience_changed=change.experience_changed,
    )


def on_changes(batch: list[changes.Change]) -> None:
    """Bus handler: every visible visitor change may move the visitor between streams;
    each visitor of the batch is evaluated once, however many changes it had."""
    ids = list(changes.visitor_batches(batch, IGNORED_KINDS))
    try:
        reevaluate_many(ids)
    except Exception:  # one bad visitor must not keep the others back: one by one
        db.session.rollback()
        log.exception("membership evaluation of %d visitors failed; one by one", len(ids))
        for visitor_id in ids:
            try:
                reevaluate(visitor_id)
            except Exception:  # the event is recorded; a failed evaluation must not lose it
                db.session.rollback()
                log.exception("membership evaluation failed for %s", visitor_id)
    if changes.settings_kinds(batch):
        on_settings_changed()


def reevaluate_live() -> int:
    """Re-evaluate every live visitor (after a settings change); returns how many changed."""
    changed = 0
    for visitor_id in hot_state.live():
        if reevaluate(visitor_id) is not None:
            changed += 1
    return changed


def on_settings_changed() -> None:
    """Settings saved: recompile everywhere, and re-evaluate live visitors in a job."""
    bump_settings_version()
    jobs.enqueue(membership_jobs.reevaluate_live)
