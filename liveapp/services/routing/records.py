"""Routing history for reports (liveapp.models.history): each decision applied, with the
reps it passed over and why, and each offer to a rep with how it ended.

The board's Redis state expires; these rows stay (until retention). Each event writes
one statement or a few: a decision is its row, its skips and its offer rows (one per rep
offered: every candidate under First Available, the one rep under Round Robin and
Balanced), and the open offer rows it replaces marked withdrawn; an answer (accepted,
declined, timeout, withdrawn) is one UPDATE of the visitor's open rows. Offer rows
carry the router's offer id as `offer_key`; a visitor has at most one open offer.

Writing history never breaks routing: a failed write is rolled back and logged, and
routing goes on (the live state is Redis's). The claim marks its offer accepted inside
its own transaction, in a savepoint (`mark_accepted`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import case, insert, update
from sqlalchemy.exc import SQLAlchemyError

from liveapp import metrics
from liveapp.domain.routing import RoutingDecision
from liveapp.extensions import db
from liveapp.models import Visitor
from liveapp.models.history import Offer, RoutingRecord, RoutingSkip
from liveapp.services.membership import live_membership
from liveapp.services.reports import stale
from liveapp.services.tracking.visitor_events import to_datetime

log = logging.getLogger(__name__)

# The reports' outcome of a decision that offers reps, by the step whose reps it offers.
STEP_OUTCOMES = {
    "salesforce_owner": "owner", "account_team": "owner", "last_chatted": "last_chat",
    "outreach": "sender", "route_to": "group", "fallback": "group",
}
# ... and of a decision that offers nobody.
NO_OFFER_OUTCOMES = {"queue": "queue", "meeting_booker": "booker", "none": "nobody",
                     "no_rule": "nobody"}


def outcome_of(decision: RoutingDecision) -> str:
    """The decision in the reports' words (liveapp.models.history.OUTCOMES)."""
    if decision.outcome == "offer":
        return STEP_OUTCOMES.get(decision.step or "", "group")
    return NO_OFFER_OUTCOMES.get(decision.outcome, "nobody")


def _safely(what: str, visitor_id: str, write: Callable[[], None]) -> None:
    """Run a history write and commit it; on a database error roll back and log."""
    try:
        write()
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        metrics.history_dropped(what)
        log.exception("routing history: %s not recorded", what,
                      extra={"visitor_id": visitor_id})


def _answer(at: datetime, outcome: str, visitor_id: str, **where) -> None:
    conditions = [Offer.visitor_id == visitor_id, Offer.outcome == "open"]
    conditions += [getattr(Offer, name) == value for name, value in where.items()]
    offered = db.session.scalars(update(Offer).where(*conditions).values(
        outcome=outcome, answered_at=at).returning(Offer.offered_at))
    stale.mark_stale(offered.all())  # an offer open since an older day


def decision_applied(visitor_id: str, decision: RoutingDecision, trigger: str, now: float,
                     offer_key: str | None, offered: Sequence[int]) -> None:
    """Record a decision the router applied: its row, the reps it skipped, the open
    offers it replaces (withdrawn) and the offer it opens (`offer_key`, one row per rep
    in `offered`)."""
    def write() -> None:
        visitor = db.session.get(Visitor, visitor_id)
        if visitor is None:
            return
        at = to_datetime(now)
        stale.mark_stale([at])  # applied late (a backlog): its day may be built already
        placed = live_membership.stored(visitor_id)
        owners = set(decision.owners)
        _answer(at, "withdrawn", visitor_id)
        record = RoutingRecord(
            decided_at=at, visitor_id=visitor_id, site_id=visitor.site_id,
            stream_id=placed.stream_id if placed is not None else None, trigger=trigger,
            rule_id=decision.rule_id, rule_name=decision.rule_name,
            outcome=outcome_of(decision), step=decision.step, mode=decision.mode,
            owner_known=bool(owners), owner_routed=bool(owners & set(decision.offer_to)))
        db.session.add(record)
        db.session.flush()
        if decision.skipped:
            db.session.execute(insert(RoutingSkip), [
                {"decision_id": record.id, "decided_at": at, "rep_id": rep_id, "reason": why}
                for rep_id, why in decision.skipped])
        if offer_key is not None and offered:
            db.session.execute(insert(Offer), [
                {"offer_key": offer_key, "decision_id": record.id, "visitor_id": visitor_id,
                 "rep_id": rep_id, "trigger": trigger, "offered_at": at, "outcome": "open"}
                for rep_id in dict.fromkeys(offered)])
    _safely("decision", visitor_id, write)


def declined(visitor_id: str, rep_id: int, now: float) -> None:
    """The rep declined (or passed on) the visitor offered to them."""
    _safely("decline", visitor_id,
            lambda: _answer(to_datetime(now), "declined", visitor_id, rep_id=rep_id))


def timed_out(visitor_id: str, offer_key: str, now: float) -> None:
    """The offer ran out: every rep of it who had not answered let it time out."""
    _safely("timeout", visitor_id,
            lambda: _answer(to_datetime(now), "timeout", visitor_id, offer_key=offer_key))


def withdrawn(visitor_id: str, now: float, rep_id: int | None = None) -> None:
    """The offer was taken back: from one rep who went away, or (no `rep_id`) from every
    rep because the visitor left."""
    where = {} if rep_id is None else {"rep_id": rep_id}
    _safely("withdrawal", visitor_id,
            lambda: _answer(to_datetime(now), "withdrawn", visitor_id, **where))


def mark_accepted(visitor_id: str, rep_id: int, at: datetime) -> None:
    """A rep claimed the visitor (in the claim's transaction, not committed here): their
    open offer is accepted, the other reps' open rows are taken. In a savepoint, so that a
    failed write leaves the claim standing."""
    try:
        with db.session.begin_nested():
            offered = db.session.scalars(update(Offer).where(
                Offer.visitor_id == visitor_id, Offer.outcome == "open",
            ).values(outcome=case((Offer.rep_id == rep_id, "accepted"), else_="taken"),
                     answered_at=at).returning(Offer.offered_at))
            stale.mark_stale(offered.all())
    except SQLAlchemyError:
        metrics.history_dropped("accept")
        log.exception("routing history: accept not recorded",
                      extra={"visitor_id": visitor_id, "user_id": rep_id})
