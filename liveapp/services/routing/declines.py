"""Open offers, declined or let run out: the rep is excluded and routing moves on.

A rep who declines a visitor, or lets an offer time out, is never offered that visitor
again (``routing:excluded:<vid>``, see `router`); a rep who goes away has the visitors
held or offered to them routed again, without counting as a decline. Taking the open
offer is one Lua step, so a timeout, a decline and another worker cannot all win.
"""

from __future__ import annotations

import time
from dataclasses import replace

from redis.commands.core import Script

from liveapp.domain.routing import RoutingDecision
from liveapp.domain.routing.recheck import ONE_REP_MODES
from liveapp.extensions import db, redis
from liveapp.models import User
from liveapp.services.routing import assignments, records, router

# Take the open offer if the given field still holds the given value (timeout vs decline
# vs another worker: exactly one of them wins).
_consume = Script(None, b"""
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  redis.call('HDEL', KEYS[1], 'offer_id', 'offer_rep', 'offer_until')
  return 1
end
return 0
""")



def excluded(visitor_id: str) -> set[int]:
    """Reps who declined this visitor or let an offer time out: never offered it again."""
    return {int(m) for m in redis.client.smembers(router.excluded_key(visitor_id))}


def _exclude(visitor_id: str, *rep_ids: int) -> None:
    if not rep_ids:
        return
    pipe = redis.client.pipeline(transaction=True)
    pipe.sadd(router.excluded_key(visitor_id), *rep_ids)
    pipe.expire(router.excluded_key(visitor_id), router.STATE_TTL)
    pipe.execute()


def _take_offer(visitor_id: str, field: str, value: str) -> bool:
    return bool(_consume(keys=[router.state_key(visitor_id)], args=[field, value],
                         client=redis.client))


def offer_timed_out(visitor_id: str, rep_id: int, offer_id: str) -> RoutingDecision | None:
    """The rep let the offer run out: skip them and offer the next rep.

    A no-op when the offer was already answered, declined or replaced.
    """
    if not _take_offer(visitor_id, "offer_id", offer_id):
        return None
    current = assignments.get(visitor_id)
    if current is not None and current.claimed_by is not None:
        return None
    records.timed_out(visitor_id, offer_id, time.time())
    # First Available alerted every candidate at once: they all let it run out.
    missed = current.offered_to if current is not None and current.mode not in \
        ONE_REP_MODES else [rep_id]
    _exclude(visitor_id, *missed)
    return router.route_now(visitor_id)


def decline(visitor_id: str, rep_id: int) -> bool:
    """A rep declines (or passes on) a visitor offered to them: never offered it again.

    Round Robin and Balanced move to the next rep at once; a First Available request
    stays with the other reps alerted, deadline and all, and moves on when none is left.
    Returns False (and changes nothing) when the visitor is not offered to this rep.
    """
    current = assignments.get(visitor_id)
    if current is None or rep_id not in current.offered_to or current.claimed_by is not None:
        return False
    _exclude(visitor_id, rep_id)
    records.declined(visitor_id, rep_id, time.time())
    if not redis.client.set(router.lock_key(visitor_id), "decline", nx=True, ex=router.LOCK_TTL):
        # A routing job holds the visitor: it routes again when done, without this rep.
        redis.client.set(router.again_key(visitor_id), current.trigger or "pounce",
                         ex=router.LOCK_TTL)
        return True
    try:
        _declined(visitor_id, rep_id)
    finally:
        router.finished(visitor_id)
    return True


def _declined(visitor_id: str, rep_id: int) -> None:
    """`decline` under the visitor's lock: re-read, then shrink the offer or move on."""
    current, state = assignments.get(visitor_id), router.read_state(visitor_id)
    if current is None or current.claimed_by is not None:
        return
    others = [r for r in current.offered_to if r != rep_id]
    if others and state.get("offer_rep") == "*":
        assignments.save(visitor_id, replace(
            current, routed_to=[r for r in current.routed_to if r != rep_id],
            offered_to=others, explanation=f"{current.explanation}; {_name(rep_id)} declined"))
        return
    _take_offer(visitor_id, "offer_rep", "*" if state.get("offer_rep") == "*" else str(rep_id))
    router.route(visitor_id, state.get("trigger") or "pounce")


def _name(user_id: int) -> str:
    user = db.session.get(User, user_id)
    return user.name if user is not None else f"user {user_id}"


def rep_went_away(user_id: int) -> list[str]:
    """A rep went away or offline (chose it, or their board closed): the visitors held or
    offered to them and unclaimed are routed again (`router.route` moves on once nobody offered
    can take them). Returns the ids queued."""
    ids = sorted(assignments.visible_to_rep(user_id))
    queued = []
    for visitor_id, current in assignments.get_many(ids).items():
        if user_id not in current.offered_to or current.claimed_by is not None:
            continue
        records.withdrawn(visitor_id, time.time(), rep_id=user_id)
        _withdraw_inbound_offer(visitor_id, current, user_id)
        if router.enqueue_routing(visitor_id, current.trigger or "pounce", follow_up=True):
            queued.append(visitor_id)
    return queued


def _withdraw_inbound_offer(visitor_id: str, current: assignments.Assignment,
                            user_id: int) -> None:
    """An inbound chat offered to a rep who went away leaves their board at once, its
    countdown with it: routing alone would keep a First Available offer with them while
    another candidate can still take it, and moves a one-rep offer on only when its job
    runs. Not a decline: they may be offered the visitor again once back."""
    if current.trigger != "inbound" or current.outcome != "offer":
        return
    assignments.save(visitor_id, replace(
        current, offered_to=[rep for rep in current.offered_to if rep != user_id],
        explanation="; ".join(filter(None, [current.explanation,
                                            f"{_name(user_id)} went away"]))))
