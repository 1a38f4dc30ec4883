"""What the routing decision reads of the settings: the active rules as the pure domain
takes them (criteria compiled once), and every user as routing sees them now (live
availability, working hours, chat load, groups)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from liveapp.domain import criteria as criteria_engine
from liveapp.domain import routing as domain
from liveapp.domain.facts import VisitorFacts
from liveapp.extensions import db
from liveapp.models import Conversation, RoutingRule, User
from liveapp.models.user import group_members
from liveapp.services.routing.routing_rules import ID_FIELDS


@dataclass(frozen=True)
class CompiledRules:
    """The active rules as the routing decision reads them, with their criteria compiled."""

    rules: tuple[domain.RoutingRule, ...]
    predicates: Mapping[int, criteria_engine.Predicate]

    def matching(self, facts: VisitorFacts) -> set[int]:
        """Ids of the rules whose criteria this visitor matches."""
        return {rule_id for rule_id, test in self.predicates.items() if test(facts)}


def domain_rules() -> CompiledRules:
    """Every active rule as a domain RoutingRule, and its criteria as a predicate."""
    rows = list(db.session.scalars(
        select(RoutingRule).where(RoutingRule.active.is_(True))
        .order_by(RoutingRule.position, RoutingRule.id)
        .options(*(selectinload(getattr(RoutingRule, key)) for key in ID_FIELDS))
    ))
    return CompiledRules(
        rules=tuple(_to_domain(row) for row in rows),
        predicates={row.id: criteria_engine.compile(row.criteria) for row in rows},
    )


def _to_domain(row: RoutingRule) -> domain.RoutingRule:
    groups = [*row.route_to_groups, *row.fallback_groups]
    return domain.RoutingRule(
        id=row.id, name=row.name, position=row.position,
        outreach_mode=row.outreach_mode or None,
        salesforce_owner=row.salesforce_owner,
        account_team=row.account_team,
        account_team_roles=frozenset(row.account_team_roles or ()),
        route_to_users=tuple(u.id for u in row.route_to_users),
        route_to_groups=tuple(g.id for g in row.route_to_groups),
        route_to_all=row.route_to_all,
        fallback_users=tuple(u.id for u in row.fallback_users),
        fallback_groups=tuple(g.id for g in row.fallback_groups),
        distribution=row.distribution,
        offer_timeout_seconds=row.offer_timeout_seconds,
        when_nobody=row.when_nobody,
        last_chatted_days=row.last_chatted_days,
        group_names={g.id: g.name for g in groups},
    )


REP_COLUMNS = (
    User.id, User.name, User.email, User.is_chat_user, User.availability, User.active,
    User.max_concurrent_chats, User.salesforce_user_id, User.working_hours, User.time_zone,
)


def reps_for_routing(now: datetime, *, only: Collection[int] | None = None) -> list[domain.Rep]:
    """Every user as routing sees them at `now` (timezone-aware, or naive UTC).

    Plain column rows rather than ORM objects: every routing job reads all users.
    """
    users = select(*REP_COLUMNS).order_by(User.id)
    members = select(group_members.c.user_id, group_members.c.group_id)
    if only is not None:
        users = users.where(User.id.in_(list(only)))
        members = members.where(group_members.c.user_id.in_(list(only)))
    groups: dict[int, set[int]] = {}
    for user_id, group_id in db.session.execute(members):
        groups.setdefault(user_id, set()).add(group_id)
    load = _chat_load()
    return [_to_rep(row, frozenset(groups.get(row.id, ())), now, *load.get(row.id, (0, None)))
            for row in db.session.execute(users)]


def _chat_load() -> dict[int, tuple[int, datetime | None]]:
    """Per rep: open conversations now, and when they last got one (Balanced reads both)."""
    open_chats = func.sum(case((Conversation.status == "open", 1), else_=0))
    rows = db.session.execute(
        select(Conversation.rep_id, open_chats, func.max(Conversation.started_at))
        .group_by(Conversation.rep_id))
    return {rep_id: (int(count or 0), last) for rep_id, count, last in rows}


def _to_rep(user: Any, group_ids: frozenset[int], now: datetime, open_chats: int = 0,
            last_assigned_at: datetime | None = None) -> domain.Rep:
    """A domain Rep from a User (or a row with REP_COLUMNS) and their chat load."""
    return domain.Rep(
        id=user.id, name=user.name, email=user.email,
        is_chat_user=user.is_chat_user,
        availability=user.availability,
        active=user.active,
        open_chats=open_chats,
        max_chats=user.max_concurrent_chats,
        in_working_hours=_in_hours(user, now),
        salesforce_user_id=user.salesforce_user_id,
        last_assigned_at=last_assigned_at,
        group_ids=group_ids,
    )


def _in_hours(user: Any, now: datetime) -> bool:
    try:
        return domain.in_working_hours(user.working_hours, user.time_zone or "UTC", now)
    except ValueError:
        # The settings form refuses bad zones and times; a row that still has one (edited
        # by hand) counts as out of hours, which the decision's trace then says.
        return False
