"""Routing jobs: route a visitor, time out a round robin offer, drain the waiting queue,
send a visitor who waited in it too long to the meeting booker.

Enqueued through `liveapp.services.routing.router` (deduplicated per visitor, retried with
backoff); each re-loads what it needs and is safe to run twice."""

from __future__ import annotations

from typing import Any

from rq import Retry

from jobs import app_context, job
from liveapp.services.routing import declines, router, waiting_queue

QUEUE = "high"  # a visitor waiting for a rep is the most urgent work there is
RETRY_INTERVALS = [2, 10, 30]  # seconds; ROUTING_RETRY_INTERVALS overrides them


def _route_retry(config) -> Retry:
    intervals = config.get("ROUTING_RETRY_INTERVALS", RETRY_INTERVALS)
    return Retry(max=len(intervals), interval=intervals)


@job(queue=QUEUE, timeout=60, retry=_route_retry)
def route_visitor(visitor_id: str, trigger: str,
                  waiting_since: float | None = None) -> dict[str, Any] | None:
    """Route one visitor ("pounce" | "inbound" | "crm": re-check on new CRM facts); returns
    the decision, None if skipped. While a CRM look-up is in flight it queues itself again
    instead, up to the configured wait (`waiting_since`: when it started waiting)."""
    with app_context():
        if router.wait_for_crm(visitor_id, trigger, waiting_since):
            return None  # queued again, still holding the visitor's lock
        try:
            decision = router.route(visitor_id, trigger)
        finally:
            router.finished(visitor_id)
        return decision.to_dict() if decision else None


@job(queue=QUEUE, timeout=60)
def offer_timeout(visitor_id: str, rep_id: int, offer_id: str) -> dict[str, Any] | None:
    """The rep did not accept in time: skip them and offer the next rep (if still open)."""
    with app_context():
        decision = declines.offer_timed_out(visitor_id, rep_id, offer_id)
        return decision.to_dict() if decision else None


@job(queue=QUEUE, timeout=60)
def queue_timeout(visitor_id: str, requested: str) -> dict[str, Any] | None:
    """The visitor waited in the queue too long: show them the meeting booker."""
    with app_context():
        decision = waiting_queue.queue_timed_out(visitor_id, requested)
        return decision.to_dict() if decision else None


@job(queue=QUEUE, timeout=300)
def drain_queue() -> list[str]:
    """Offer waiting inbound visitors, oldest first; returns those offered a rep."""
    with app_context():
        waiting_queue.drain_started()
        return waiting_queue.drain_queue()


@job(queue=QUEUE, timeout=300)
def reoffer_unrouted() -> list[str]:
    """Route again the live visitors nobody could be offered (a rep just came online)."""
    with app_context():
        return waiting_queue.reoffer_unrouted()
