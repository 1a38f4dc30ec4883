"""What one routing decision reads, gathered from the database and Redis, and the
decision itself with Round Robin's turn taken atomically in Redis."""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC

from sqlalchemy import select

from liveapp.domain import routing as domain
from liveapp.domain.routing import CrmFacts, RoutingDecision
from liveapp.domain.streams import Membership
from liveapp.extensions import db, redis
from liveapp.models import Conversation, Visitor
from liveapp.services.crm import owner_lookup
from liveapp.services.membership import live_membership
from liveapp.services.routing import group_hours, reps, rotation, routing_rules
from liveapp.services.routing.compiled_rules import CompiledRules, domain_rules
from liveapp.services.tracking import hot_state

RULES_MAX_AGE = 10.0  # seconds a compiled rule set is trusted without a settings bump


@dataclass(frozen=True)
class Inputs:
    """Everything one decision reads, gathered once so it can be re-run purely."""

    rules: tuple[domain.RoutingRule, ...]
    matched: frozenset[int]
    reps: tuple[domain.Rep, ...]
    crm: CrmFacts
    trigger: str
    excluded: frozenset[int]
    enterprise: bool
    closed_groups: tuple[tuple[int, str], ...] = ()  # groups outside their business hours
    last_chat: domain.LastChat | None = None  # read only when a rule has the step

    @property
    def rule(self) -> domain.RoutingRule | None:
        return domain.first_matching_rule(self.rules, self.matched)

    def decide(self, pointer: int | None = None) -> RoutingDecision:
        rule = self.rule
        return domain.decide(
            self.rules, self.matched, self.reps, self.crm, trigger=self.trigger,
            excluded=self.excluded, enterprise=self.enterprise,
            rotation={rule.id: pointer} if rule else None,
            closed_groups=dict(self.closed_groups), last_chat=self.last_chat,
        )


def crm_facts(visitor: Visitor) -> CrmFacts:
    """The visitor's CRM facts for routing: the results `resolve_crm` stored on the
    visitor (no CRM is called here), each CRM configured or not, pending or not."""
    return owner_lookup.routing_facts(visitor)


def gather(visitor: Visitor, hot: hot_state.HotState, trigger: str, now: float,
           excluded_reps: Collection[int] = ()) -> Inputs:
    """Facts, matched rules, reps (effective availability, working hours), exclusions.

    Rules testing "in segment" / "in stream" read the visitor's membership as stored,
    the very one the boards show."""
    compiled = compiled_rules()
    placed = live_membership.stored(visitor.id) or Membership()
    facts = live_membership.facts_for(visitor, hot, now).with_membership(
        placed.segment_ids, placed.stream_id)
    return Inputs(
        rules=compiled.rules, matched=frozenset(compiled.matching(facts)),
        reps=tuple(reps.routing_reps(now)), crm=crm_facts(visitor),
        trigger=trigger, excluded=frozenset(excluded_reps),
        enterprise=routing_rules.enterprise_enabled(),
        closed_groups=tuple(group_hours.closed_groups(now).items()),
        last_chat=last_chat(visitor.id, now) if any(
            r.last_chatted_days is not None for r in compiled.rules) else None,
    )


def last_chat(visitor_id: str, now: float) -> domain.LastChat | None:
    """Who chatted with the visitor last (their most recent conversation), and when."""
    row = db.session.execute(
        select(Conversation.rep_id, Conversation.started_at)
        .where(Conversation.visitor_id == visitor_id)
        .order_by(Conversation.started_at.desc(), Conversation.id.desc()).limit(1)).first()
    if row is None:
        return None
    started = row.started_at.replace(tzinfo=UTC).timestamp()
    return domain.LastChat(rep_id=row.rep_id, days_ago=max(now - started, 0.0) / 86400)


@dataclass(frozen=True)
class _CachedRules:
    version: str
    compiled: CompiledRules
    loaded_at: float


_rules_cache: dict[str, _CachedRules] = {}


def compiled_rules() -> CompiledRules:
    """The active rules, compiled once per settings version (saving a rule bumps it).

    Users and groups named by rules change without a settings bump, so the cache also
    ages out after RULES_MAX_AGE.
    """
    stamp = live_membership.settings_stamp()
    cached = _rules_cache.get(redis.key())
    now = time.monotonic()
    if cached is None or cached.version != stamp or \
            now - cached.loaded_at > RULES_MAX_AGE:
        cached = _CachedRules(stamp, domain_rules(), now)
        _rules_cache[redis.key()] = cached
    return cached.compiled


def rotation_key(rule_id: int) -> str:
    return redis.key("rotation", rule_id)


def decide_with_rotation(inputs: Inputs) -> RoutingDecision:
    """The decision; for Round Robin the turn is taken atomically in Redis, so several
    workers routing at once never give one rep two turns in a row."""
    rule = inputs.rule
    if rule is None or rule.distribution != "round_robin":
        return inputs.decide()
    decision = inputs.decide(rotation.last_turn(redis.client, rotation_key(rule.id)))
    if decision.outcome != "offer":
        return decision
    chosen = rotation.advance(redis.client, rotation_key(rule.id), decision.candidates)
    if chosen == decision.offer_to[0]:
        return decision
    # Another worker took a turn meanwhile: decide again from the turn Redis gave us, so
    # the explanation names the rep actually offered (ids are ints: chosen - 1 < chosen).
    return inputs.decide(chosen - 1)
