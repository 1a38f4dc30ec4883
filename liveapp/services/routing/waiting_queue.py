"""The waiting queue: inbound visitors nobody could take yet, offered as reps free up.

An inbound request nobody can take waits in ``routing:waiting`` (see `router`); a rep
becoming available, or closing a chat, drains it oldest first; after the queue wait a
visitor still waiting is shown the meeting booker (`queue_timed_out`), so nobody waits
forever. Live visitors in a stream whom nobody could be offered (everyone was away when
they landed) are routed again when a rep becomes available (`reoffer_unrouted`).
"""

from __future__ import annotations

import time

from rq.job import Job

import jobs
from jobs import routing as routing_jobs
from liveapp.domain.routing import RoutingDecision
from liveapp.extensions import redis
from liveapp.services.membership import live_membership
from liveapp.services.routing import assignments, queue_places, router
from liveapp.services.tracking import hot_state

DRAIN_LIMIT = 200  # waiting visitors offered per drain; a new drain follows if more remain


def queue_timed_out(visitor_id: str, requested: str,
                    now: float | None = None) -> RoutingDecision | None:
    """The visitor waited the whole queue wait and nobody took them: the meeting booker.

    A no-op (None) when they were offered, claimed, left or asked again since. When a
    routing job holds the visitor, this tries again a few seconds later.
    """
    now = time.time() if now is None else now
    score = redis.client.zscore(router.waiting_key(), visitor_id)
    if score is None or repr(score) != requested:
        return None
    waited = round(now - float(requested))
    decision = _to_booker(visitor_id, now, f"waited {waited} s in the queue and nobody "
                                           "was free → meeting booker")
    if decision is BUSY:
        jobs.enqueue(routing_jobs.queue_timeout, visitor_id, requested, delay=5)
        return None
    return decision  # type: ignore[return-value]  (not BUSY)


def choose_booker(visitor_id: str, now: float | None = None) -> bool:
    """The waiting visitor would rather book a meeting than wait: they leave the queue
    for the meeting booker. False when they are not waiting in the queue (or a routing
    job holds them this very moment: they may ask again)."""
    now = time.time() if now is None else now
    if redis.client.zscore(router.waiting_key(), visitor_id) is None:
        return False
    decision = _to_booker(visitor_id, now, "the visitor chose the meeting booker while "
                                           "waiting in the queue → meeting booker")
    return decision is not None and decision is not BUSY


BUSY = object()  # _to_booker's answer when a routing job holds the visitor


def _to_booker(visitor_id: str, now: float, why: str) -> RoutingDecision | object | None:
    """Move a visitor waiting in the queue to the meeting booker, saying `why` last in
    the decision's trace; None when they are no longer waiting, BUSY when a routing job
    holds them."""
    if not redis.client.set(router.lock_key(visitor_id), "inbound", nx=True, ex=router.LOCK_TTL):
        return BUSY
    try:
        current = assignments.get(visitor_id)
        queued = router.history(visitor_id)[:1]  # the decision that queued them, newest first
        if (redis.client.zscore(router.waiting_key(), visitor_id) is None or current is None
                or current.claimed_by is not None or current.outcome != "queue"
                or not queued or queued[0].get("outcome") != "queue"):
            return None
        decision = RoutingDecision(
            outcome="meeting_booker", rule_id=queued[0].get("rule_id"),
            rule_name=current.rule_name, mode=current.mode,  # type: ignore[arg-type]
            # Its trace up to where it said "waiting in the queue", then why it ends here.
            trace=(*queued[0].get("trace", [])[:-1], why),
            owners=tuple(int(i) for i in queued[0].get("owners") or ()),
        )
        router.apply(visitor_id, decision, "inbound", now, router.read_state(visitor_id))
        return decision
    finally:
        router.finished(visitor_id)


def waiting(limit: int = DRAIN_LIMIT) -> list[str]:
    """Inbound visitors nobody could take yet, oldest request first."""
    return [m.decode() for m in redis.client.zrange(router.waiting_key(), 0, limit - 1)]


def drain_queue(limit: int = DRAIN_LIMIT) -> list[str]:
    """Offer waiting visitors, oldest first; returns those who were offered a rep."""
    offered = []
    for visitor_id in waiting(limit):
        decision = router.route_now(visitor_id, "inbound")
        if decision is not None and decision.outcome == "offer":
            offered.append(visitor_id)
    return offered


def request_drain() -> Job | None:
    """Queue `jobs.routing.drain_queue` unless one is already waiting to start."""
    if not redis.client.exists(router.waiting_key()):
        return None
    if not redis.client.set(router.drain_pending_key(), "1", nx=True, ex=router.LOCK_TTL):
        return None
    return jobs.enqueue(routing_jobs.drain_queue)


def drain_started() -> None:
    """The drain job began: a rep freed up from now on asks for another one."""
    redis.client.delete(router.drain_pending_key())


def rep_became_available(user_id: int) -> Job | None:
    """A rep switched to available (or opened their board): waiting visitors are offered
    at once, and live visitors in a stream whom nobody could be offered are routed again."""
    request_reoffer()
    return request_drain()


def reoffer_pending_key() -> str:
    return redis.key("routing", "reoffer-pending")


def request_reoffer() -> Job | None:
    """Queue `jobs.routing.reoffer_unrouted` unless one is waiting or nobody is live."""
    if not redis.client.zcard(hot_state.heartbeats_key()):
        return None
    if not redis.client.set(reoffer_pending_key(), "1", nx=True, ex=router.LOCK_TTL):
        return None
    return jobs.enqueue(routing_jobs.reoffer_unrouted)


def reoffer_unrouted(limit: int = DRAIN_LIMIT) -> list[str]:
    """Live visitors in a stream with nobody offered or chatting (everyone was away when
    they landed): route them again; returns the ids queued. A visitor whose request ended
    at the meeting booker (the queue wait ran out, or they chose it) keeps the booker until
    they ask again."""
    redis.client.delete(reoffer_pending_key())
    live = [vid for vid, hot in hot_state.live(limit).items() if hot.presence.state != "left"]
    current = assignments.get_many(live)
    queued = []
    for visitor_id in live:
        taken = current.get(visitor_id)
        if taken is not None and (taken.offered_to or taken.claimed_by is not None
                                  or taken.outcome == "meeting_booker"):
            continue  # offered, chatting, or their request ended at the booker: theirs now
        placed = live_membership.stored(visitor_id)
        if placed is None or placed.stream_id is None:
            continue
        if router.enqueue_routing(visitor_id, "pounce") is not None:
            queued.append(visitor_id)
    return queued


def claimed(visitor_id: str, now: float | None = None) -> None:
    """A rep claimed the visitor: no more offers, no place in the waiting queue. An
    inbound request's wait until this accept is kept for the queue's estimates."""
    now = time.time() if now is None else now
    pipe = redis.client.pipeline(transaction=True)
    pipe.hmget(router.state_key(visitor_id), "trigger", "requested_at")
    pipe.zrem(router.waiting_key(), visitor_id)
    pipe.delete(router.state_key(visitor_id))
    (trigger, requested), left_the_line, _ = pipe.execute()
    if trigger == b"inbound" and requested:
        queue_places.record_wait(now - float(requested), now)
    if left_the_line:
        queue_places.tell_places(now)


def chat_closed(user_id: int) -> Job | None:
    """A rep closed a chat (conversations, issue 8, calls this): they may take another."""
    return request_drain()
