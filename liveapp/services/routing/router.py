"""Routing visitors to reps: build the decision's inputs, apply the decision, keep offers.

`jobs.routing.route_visitor` calls `route` (the routing jobs' queue, timeouts and retries
are declared next to them, in jobs/routing.py); everything here runs in an app context.
Redis keeps each visitor's routing state (all keys expire after a day):

- ``routing:lock:<vid>``: a routing job is queued or running (dedup, with a TTL);
- ``routing:again:<vid>``: a trigger that arrived while locked, routed once it is released;
- ``routing:state:<vid>`` (hash): ``trigger`` (sticky "inbound" once the visitor asked to
  chat), ``requested_at``, and the open offer ``offer_id``/``offer_rep``/``offer_until``:
  an inbound request's offer runs out at the rule's timeout (every mode: First Available
  alerts all its candidates, ``offer_rep`` "*"); a Round Robin or Balanced pounce
  assignment is held, with no timer, until the rep engages, passes or goes away, or the
  visitor leaves (``offer_until`` is then the state's own expiry);
- ``routing:excluded:<vid>`` (set): reps who declined or let an offer time out (see
  `declines`);
- ``routing:history:<vid>`` (list, newest first, capped): every decision with its trace,
  for the visitor detail timeline;
- ``routing:waiting`` (sorted set, score = request time): inbound visitors nobody could take;
  after ``ROUTING_QUEUE_WAIT`` seconds there (default 120) a visitor still waiting is shown
  the meeting booker instead (`queue_timed_out`), so nobody waits forever.

CRM facts come before the decision (SPEC 2.5). While the visitor's CRM look-up is in
flight (`owner_lookup.in_flight`), a routing job does not decide: it queues itself again a moment
later (the worker is not blocked) until the answer is stored or ``ROUTING_CRM_WAIT``
seconds (default 3) have passed, then decides with what it has ("Salesforce look-up
pending"). When CRM facts (or enrichment) arrive or change later for a visitor routed
and not claimed, routing runs again with the trigger "crm": it re-decides (with the
sticky inbound/pounce trigger) and replaces the decision, open offer or held pounce
included, only when the outcome or reps differ, saying "re-routed: … → …"; the same
outcome writes nothing (no history entry, no assignment save).

The visible result is the visitor's `assignments.Assignment`, whose explanation is the
decision's summary.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

from flask import current_app
from rq.job import Job

import jobs
from jobs import routing as routing_jobs
from liveapp import metrics
from liveapp.domain.routing import RoutingDecision
from liveapp.domain.routing.inputs import TRIGGERS
from liveapp.domain.routing.recheck import ONE_REP_MODES, rerouted, same_outcome
from liveapp.extensions import db, redis
from liveapp.models import Visitor
from liveapp.services.crm import owner_lookup
from liveapp.services.routing import assignments, queue_places, records, routing_rules
from liveapp.services.routing.queue_places import waiting_key
from liveapp.services.routing.routing_inputs import (
    Inputs,
    compiled_rules,
    decide_with_rotation,
    gather,
)
from liveapp.services.tracking import hot_state

LOCK_TTL = 60  # seconds; a crashed worker stops blocking routing after this
STATE_TTL = 24 * 3600
HISTORY_LIMIT = 50
OFFER_GRACE = 30  # an offer whose timeout job was lost counts as open this much longer
QUEUE_WAIT = 120  # seconds an inbound visitor waits in the queue before the meeting booker
CRM_WAIT = 3.0  # seconds a routing job waits for a CRM look-up in flight
CRM_POLL = 0.5  # how soon a waiting routing job looks again (the scheduler's tick bounds it)
# "crm": CRM or enrichment facts changed for a routed visitor; re-decide, replace only if
# the outcome differs (the decision itself keeps the visitor's inbound/pounce trigger).
RECHECK = "crm"
JOB_TRIGGERS = (*TRIGGERS, RECHECK)

log = logging.getLogger(__name__)


def lock_key(visitor_id: str) -> str:
    return redis.key("routing", "lock", visitor_id)


def again_key(visitor_id: str) -> str:
    return redis.key("routing", "again", visitor_id)


def state_key(visitor_id: str) -> str:
    return redis.key("routing", "state", visitor_id)


def excluded_key(visitor_id: str) -> str:
    return redis.key("routing", "excluded", visitor_id)


def history_key(visitor_id: str) -> str:
    return redis.key("routing", "history", visitor_id)


def drain_pending_key() -> str:
    return redis.key("routing", "drain-pending")


# ---------------------------------------------------------------- requesting


def enqueue_routing(visitor_id: str, trigger: str, *, follow_up: bool = False) -> Job | None:
    """Queue `jobs.routing.route_visitor` unless routing for this visitor is queued or
    running; returns the job, or None.

    A duplicate is a no-op; with `follow_up` (an inbound request, a decline, new CRM
    facts) the trigger is remembered and routed again as soon as the running job finishes,
    so it is not lost. A "crm" re-check never overwrites another waiting trigger: that
    one routes with the new facts anyway.
    """
    if trigger not in JOB_TRIGGERS:
        raise ValueError(f"unknown routing trigger {trigger!r}")
    if not redis.client.set(lock_key(visitor_id), trigger, nx=True, ex=LOCK_TTL):
        if follow_up:
            redis.client.set(again_key(visitor_id), trigger, ex=LOCK_TTL,
                             nx=trigger == RECHECK)
        return None
    return jobs.enqueue(routing_jobs.route_visitor, visitor_id, trigger)


def _crm_wait() -> float:
    return float(current_app.config.get("ROUTING_CRM_WAIT", CRM_WAIT))


def wait_for_crm(visitor_id: str, trigger: str, waiting_since: float | None = None,
                 now: float | None = None) -> bool:
    """Whether this routing job waits for the visitor's CRM look-up in flight: if so, it is
    queued again `CRM_POLL` seconds on, still holding the visitor's lock, until the look-up
    ends or `ROUTING_CRM_WAIT` seconds after `waiting_since` (its first run)."""
    now = time.time() if now is None else now
    since = now if waiting_since is None else waiting_since
    left = since + _crm_wait() - now
    if left <= 0 or not owner_lookup.in_flight(visitor_id):
        return False
    redis.client.expire(lock_key(visitor_id), LOCK_TTL)  # still ours, for a while longer
    jobs.enqueue(routing_jobs.route_visitor, visitor_id, trigger, since,
                 delay=min(CRM_POLL, left))
    return True


def finished(visitor_id: str) -> None:
    """A routing job ended (either way): release the lock, route a trigger that waited."""
    pipe = redis.client.pipeline(transaction=True)
    pipe.delete(lock_key(visitor_id))
    pipe.getdel(again_key(visitor_id))
    waiting_trigger = pipe.execute()[1]
    if waiting_trigger:
        enqueue_routing(visitor_id, waiting_trigger.decode())


def request_inbound(visitor_id: str) -> Job | None:
    """The visitor asked to chat (the chat widget's Route for Inbound Chat step)."""
    pipe = redis.client.pipeline(transaction=True)
    pipe.hset(state_key(visitor_id), "trigger", "inbound")
    pipe.hsetnx(state_key(visitor_id), "requested_at", repr(time.time()))
    pipe.expire(state_key(visitor_id), STATE_TTL)
    pipe.execute()
    return enqueue_routing(visitor_id, "inbound", follow_up=True)


def route_now(visitor_id: str, trigger: str | None = None) -> RoutingDecision | None:
    """Route in this process under the visitor's lock; when a job holds it, that job's
    end routes again instead (see `enqueue_routing`)."""
    trigger = trigger or read_state(visitor_id).get("trigger") or "pounce"
    if not redis.client.set(lock_key(visitor_id), trigger, nx=True, ex=LOCK_TTL):
        redis.client.set(again_key(visitor_id), trigger, ex=LOCK_TTL)
        return None
    try:
        return route(visitor_id, trigger)
    finally:
        finished(visitor_id)


# ---------------------------------------------------------------- routing


def route(visitor_id: str, trigger: str | None = None,
          now: float | None = None) -> RoutingDecision | None:
    """Route one visitor now and store the result; idempotent.

    Does nothing (returns None) when the visitor is gone or has left, a rep already
    claimed them, or a one-rep offer is still open (its timeout moves it on). The
    "crm" trigger re-decides a routed visitor, open offer or not, and stores the new
    decision only when its outcome differs (`_recheck`).
    """
    now = time.time() if now is None else now
    hot, current, state, excluded_reps = _read(visitor_id)
    visitor = db.session.get(Visitor, visitor_id) if hot is not None else None
    if visitor is None or hot is None or hot.presence.state == "left":
        if redis.client.zrem(waiting_key(), visitor_id):
            queue_places.tell_places(now)  # the line moved up
        return None
    if current is not None and current.claimed_by is not None:
        return None
    recheck = trigger == RECHECK
    trigger = "inbound" if "inbound" in (trigger, state.get("trigger")) else "pounce"
    if recheck and current is None:  # never routed: nothing to re-decide
        return None
    inputs = gather(visitor, hot, trigger, now, excluded_reps)
    asks_after_pounce = _asks_after_pounce(trigger, current)
    if recheck:
        decision = _recheck(visitor_id, current, inputs)
    elif _offer_open(state, now) and _still_offered(current, inputs) and not asks_after_pounce:
        return None
    elif asks_after_pounce and current is not None:
        decision = _inbound_for_holder(inputs, current)
    else:
        decision = decide_with_rotation(inputs)
    if decision is not None:
        apply(visitor_id, decision, trigger, now, state)
        metrics.routing_decided(decision.mode, decision.outcome, decision.step)
        log.info("routing: %s", decision.outcome, extra={
            "visitor_id": visitor_id, "trigger": trigger, "mode": decision.mode,
            "step": decision.step, "offered_to": list(decision.offer_to) or None})
    return decision


def _asks_after_pounce(trigger: str, current: assignments.Assignment | None) -> bool:
    """The visitor asks to chat while routing holds them for pounce (a pounce assignment
    keeps its rep with no timer): the request must be routed, not taken for that hold."""
    return (trigger == "inbound" and current is not None and current.claimed_by is None
            and current.trigger == "pounce")


def _inbound_for_holder(inputs: Inputs, current: assignments.Assignment) -> RoutingDecision:
    """An inbound request from a visitor held for pounce: under Round Robin the rep who
    holds them (still a candidate) is offered it first, on their turn already taken, so
    the visitor does not jump to another rep's board for asking; otherwise as usual."""
    rule = inputs.rule
    holder = current.offered_to[0] if len(current.offered_to) == 1 else None
    if rule is not None and rule.distribution == "round_robin" and holder is not None:
        decision = inputs.decide(holder - 1)  # ids are ints: the first candidate after it
        if decision.outcome == "offer" and tuple(decision.offer_to) == (holder,):
            return decision
    return decide_with_rotation(inputs)


def _recheck(visitor_id: str, current: assignments.Assignment,
             inputs: Inputs) -> RoutingDecision | None:
    """The new decision, marked re-routed, when new facts change where the visitor goes;
    None when they do not. Round Robin's turn is only taken for a decision that stands."""
    last = history(visitor_id)[:1]
    previous = RoutingDecision.from_dict(last[0]) if last else None
    if previous is not None and same_outcome(previous, inputs.decide(), current.offered_to):
        return None
    decision = decide_with_rotation(inputs)
    return rerouted(previous, decision) if previous is not None else decision


def _still_offered(current: assignments.Assignment | None, inputs: Inputs) -> bool:
    """Whether a rep the open offer went to can still take it: one who went away or
    offline (or was deactivated) lets routing move on, without counting as a decline."""
    offered = set(current.offered_to) if current is not None else set()
    return any(rep.id in offered and rep.active and rep.availability == "available"
               and rep.id not in inputs.excluded for rep in inputs.reps)


def _read(visitor_id: str) -> tuple[hot_state.HotState | None, assignments.Assignment | None,
                                    dict[str, str], set[int]]:
    """Hot state, assignment, routing state and exclusions in one round trip."""
    pipe = redis.client.pipeline(transaction=False)
    hot_state.queue_read(pipe, visitor_id)
    pipe.get(assignments.assignment_key(visitor_id))
    pipe.hgetall(state_key(visitor_id))
    pipe.smembers(excluded_key(visitor_id))
    hot, raw_assignment, raw_state, members = pipe.execute()
    try:
        current = assignments.Assignment.from_dict(json.loads(raw_assignment)) \
            if raw_assignment else None
    except ValueError:  # damaged: routing writes a fresh one
        current = None
    state = {k.decode(): v.decode() for k, v in raw_state.items()}
    return hot_state.decode(hot), current, state, {int(m) for m in members}


def apply(visitor_id: str, decision: RoutingDecision, trigger: str, now: float,
          state: dict[str, str]) -> assignments.Assignment:
    """Store the decision: open the offer, queue or unqueue, history (Redis's for the
    visitor's timeline, the database's for reports: `records`), the assignment."""
    pipe = redis.client.pipeline(transaction=True)
    pipe.hset(state_key(visitor_id), "trigger", trigger)
    requested = float(state.get("requested_at") or now)
    if decision.outcome == "queue":
        pipe.zadd(waiting_key(), {visitor_id: requested}, nx=True)
    else:
        pipe.zrem(waiting_key(), visitor_id)
    offer = _offer_for(decision, trigger)
    if offer is not None:
        held_until = now + (offer.seconds + OFFER_GRACE if offer.timed else STATE_TTL)
        pipe.hset(state_key(visitor_id), mapping={
            "offer_id": offer.id, "offer_rep": offer.rep, "offer_until": repr(held_until),
        })
    else:  # no offer now: an old one's timeout must find nothing to take
        pipe.hdel(state_key(visitor_id), "offer_id", "offer_rep", "offer_until")
    pipe.expire(state_key(visitor_id), STATE_TTL)
    _queue_history(pipe, visitor_id, decision, trigger, now)
    line_moved = pipe.execute()[1] == 1  # joined it, or left it
    records.decision_applied(visitor_id, decision, trigger, now,
                             offer.id if offer is not None else None, _offered(decision, offer))
    newly_queued = line_moved and decision.outcome == "queue"
    if line_moved:
        queue_places.tell_places(now)
    if newly_queued:
        _schedule_queue_timeout(visitor_id, requested, now)
    if offer is not None and offer.timed:
        jobs.enqueue(routing_jobs.offer_timeout, visitor_id, decision.offer_to[0], offer.id,
                     delay=offer.seconds)
    # One rep at a time (Round Robin, Balanced): only the rep it is offered to sees the
    # visitor; the other candidates are in the explanation.
    routed_to = decision.offer_to if decision.mode in ONE_REP_MODES else decision.candidates
    return assignments.save(visitor_id, assignments.Assignment(
        rule_name=decision.rule_name, mode=decision.mode,
        routed_to=list(routed_to), offered_to=list(decision.offer_to),
        claimed_by=None, explanation=decision.summary, at=now, outcome=decision.outcome,
        trigger=trigger,
        offer_until=now + offer.seconds if offer is not None and offer.timed else None,
        reason=decision.reason, closed=list(decision.closed), named=list(decision.named),
    ))


@dataclass(frozen=True)
class _Offer:
    id: str
    rep: str  # the one rep's id, or "*": every candidate (First Available)
    seconds: int
    timed: bool  # an inbound request's offer runs out; a pounce assignment is held


def _offer_for(decision: RoutingDecision, trigger: str) -> _Offer | None:
    """The offer a decision opens. An inbound request is an offer with a deadline, in
    every mode. A pounce is not: the Round Robin or Balanced rep keeps the visitor until
    they engage, pass or go away (SPEC 2.5); First Available pounce holds nothing, every
    candidate already sees the visitor."""
    if decision.outcome != "offer":
        return None
    one_rep = decision.mode in ONE_REP_MODES
    if trigger != "inbound" and not one_rep:
        return None
    rep = str(decision.offer_to[0]) if one_rep else "*"
    return _Offer(uuid.uuid4().hex, rep, _timeout_for(decision), trigger == "inbound")


def _offered(decision: RoutingDecision, offer: _Offer | None) -> tuple[int, ...]:
    """The reps an offer went to: every candidate ("*"), or the one rep."""
    if offer is None:
        return ()
    return decision.offer_to if offer.rep == "*" else decision.offer_to[:1]


def read_state(visitor_id: str) -> dict[str, str]:
    raw = redis.client.hgetall(state_key(visitor_id))
    return {k.decode(): v.decode() for k, v in raw.items()}


def _offer_open(state: dict[str, str], now: float) -> bool:
    return bool(state.get("offer_id")) and float(state.get("offer_until") or 0) > now


def _timeout_for(decision: RoutingDecision) -> int:
    # Balanced offers one rep at a time too; the rule's timeout applies to both modes.
    if decision.offer_timeout_seconds:
        return decision.offer_timeout_seconds
    rule = next((r for r in compiled_rules().rules if r.id == decision.rule_id), None)
    return rule.offer_timeout_seconds if rule else routing_rules.DEFAULT_TIMEOUT


def _queue_history(pipe, visitor_id: str, decision: RoutingDecision, trigger: str,
                   now: float) -> None:
    entry = {**decision.to_dict(), "trigger": trigger, "at": now}
    pipe.lpush(history_key(visitor_id), json.dumps(entry))
    pipe.ltrim(history_key(visitor_id), 0, HISTORY_LIMIT - 1)
    pipe.expire(history_key(visitor_id), STATE_TTL)


def history(visitor_id: str) -> list[dict[str, Any]]:
    """The visitor's routing decisions, newest first, each with trigger, time and trace."""
    return [json.loads(raw) for raw in redis.client.lrange(history_key(visitor_id), 0, -1)]


# ---------------------------------------------------------------- waiting (see waiting_queue)


def _queue_wait() -> float:
    return float(current_app.config.get("ROUTING_QUEUE_WAIT", QUEUE_WAIT))


def _schedule_queue_timeout(visitor_id: str, requested: float, now: float) -> None:
    """Once a visitor joins the queue: the booker at `requested` + the queue wait."""
    delay = max(requested + _queue_wait() - now, 0.0)
    jobs.enqueue(routing_jobs.queue_timeout, visitor_id, repr(requested), delay=delay)
