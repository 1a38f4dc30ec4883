"""What asks for routing besides an inbound request: a visitor landing in a stream or
starting an experience that routes for pounce, and new CRM or enrichment facts about a
visitor routed and not claimed (a re-check, trigger "crm"). A visitor leaving withdraws
their open offer (routing history, `records`)."""

from __future__ import annotations

from typing import Any

from liveapp.extensions import redis
from liveapp.services.bus import changes
from liveapp.services.membership import live_membership
from liveapp.services.routing import assignments, records, router


def _routes_for_pounce(experience_id: int) -> bool:
    experiences = live_membership.current_rules().experiences
    return any(e.id == experience_id and e.routes_for_pounce for e in experiences)


def pounce_wanted(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Whether a membership change asks for pounce routing: the visitor landed in a
    stream, or started receiving an experience with a Route for Pounce step."""
    if old.get("stream_id") is None and new.get("stream_id") is not None:
        return True
    experience_id = new.get("experience_id")
    return (experience_id is not None and experience_id != old.get("experience_id")
            and _routes_for_pounce(int(experience_id)))


def recheck_wanted(visitor_id: str) -> bool:
    """Whether new CRM or enrichment facts may change this visitor's routing: they are
    routed and not claimed, or a routing job is deciding right now (it may have read the
    facts before they were stored)."""
    if redis.client.exists(router.lock_key(visitor_id)):
        return True
    current = assignments.get(visitor_id)
    return current is not None and current.claimed_by is None


def on_change(change: changes.Change) -> None:
    """Subscriber: membership changes that call for pounce routing enqueue it; new CRM
    or enrichment facts re-check a visitor's routing; a visitor who left has their open
    offer withdrawn in the routing history."""
    if change.kind == "presence" and change.data.get("state") == "left":
        current = assignments.get(change.visitor_id)
        if current is not None and current.offered_to and current.claimed_by is None:
            records.withdrawn(change.visitor_id, change.at)
        return
    if change.kind in ("crm", "enrichment"):
        if recheck_wanted(change.visitor_id):
            router.enqueue_routing(change.visitor_id, router.RECHECK, follow_up=True)
        return
    if change.kind != "membership":
        return
    if pounce_wanted(change.data.get("old") or {}, change.data.get("new") or {}):
        router.enqueue_routing(change.visitor_id, "pounce")
