"""Reading visitors for the admin pages: live ones with their hot presence, and history."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from liveapp.extensions import db
from liveapp.models import PageView, Visitor, VisitSession
from liveapp.services.routing import assignments
from liveapp.services.routing.assignments import Assignment
from liveapp.services.tracking import hot_state
from liveapp.services.tracking.hot_state import HotState

RECENT_LIMIT = 100
HISTORY_LIMIT = 500


@dataclass(frozen=True)
class VisitorRow:
    """A visitor with its hot state (None when it has left and the state expired)."""

    visitor: Visitor
    state: HotState | None
    assignment: Assignment | None = None

    @property
    def presence(self) -> str:
        return self.state.presence.state if self.state else "left"


def live_and_recent(limit: int = RECENT_LIMIT) -> tuple[list[VisitorRow], list[Visitor]]:
    """Visitors on the site now (from Redis), then the most recent others."""
    states = hot_state.live()
    found = {v.id: v for v in db.session.scalars(
        select(Visitor).where(Visitor.id.in_(list(states)))
    )} if states else {}
    routed = assignments.get_many(found)
    live = [VisitorRow(found[vid], state, routed.get(vid))
            for vid, state in states.items() if vid in found]
    recent = db.session.scalars(
        select(Visitor).where(Visitor.id.not_in(list(found) or [""]))
        .order_by(Visitor.last_seen.desc()).limit(limit)
    ).all()
    return live, list(recent)


def history(visitor_id: str) -> tuple[list[VisitSession], list[PageView]]:
    """A visitor's visits and page views, most recent first."""
    sessions = db.session.scalars(
        select(VisitSession).where(VisitSession.visitor_id == visitor_id)
        .order_by(VisitSession.started_at.desc()).limit(HISTORY_LIMIT)
    ).all()
    views = db.session.scalars(
        select(PageView).where(PageView.visitor_id == visitor_id)
        .order_by(PageView.at.desc(), PageView.id.desc()).limit(HISTORY_LIMIT)
    ).all()
    return list(sessions), list(views)
