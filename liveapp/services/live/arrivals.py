"""Pounce arrival notices: tell a rep their prospect just arrived.

When a visitor is newly routed to a rep for pounce (the rep is newly among the
`offered_to` of an unclaimed pounce assignment: the one rep of Round Robin and Balanced,
every candidate of First Available), that rep, and nobody else, gets one notice on
their own channel (`rep:<id>`, event `offer`): a dismissible line at the top of their
board's prompts area ("Jane from Acme, from your Outreach sequence, is on Pricing"),
which alerts.js sounds and raises as a desktop notification like an accept prompt. It is
not an offer: no countdown, nothing to accept.

A visitor coming back while routing still holds them for the rep (a pounce assignment
lasts a day, longer than a visit) is news too: landing in a stream again announces the
assignment as it stands.

Once per visit: Redis keeps, per visitor and rep, the visit (session id) the rep was
told about, for a day. Card updates, routing again, routed away and back to the same
rep, reconnecting boards: nothing new to say. A new visit (the visitor comes back after
the half hour that ends a visit) routed to the rep tells them again.
"""

from __future__ import annotations

import logging

from redis.commands.core import Script

from liveapp.domain.arrivals import Arrival
from liveapp.extensions import redis
from liveapp.services.bus import changes
from liveapp.services.live import cards, prompts
from liveapp.services.live.rendering import render_template_anywhere
from liveapp.services.routing import assignments, triggers
from liveapp.services.routing.assignments import Assignment
from liveapp.services.tracking import hot_state

log = logging.getLogger(__name__)

NOTIFIED_TTL = 24 * 3600

# Mark the rep told about this visit unless they already were; 1 when newly marked, so
# of two processes routing the same visitor at once exactly one sends.
_MARK = Script(None, b"""
if redis.call('GET', KEYS[1]) == ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1
""")


def notified_key(visitor_id: str, rep_id: int) -> str:
    return redis.key("arrivals", "notified", visitor_id, rep_id)


def held_for(assignment: Assignment) -> list[int]:
    """The reps an unclaimed pounce assignment holds the visitor for."""
    if (assignment.trigger != "pounce" or assignment.outcome != "offer"
            or assignment.claimed_by is not None):
        return []
    return list(assignment.offered_to)


def _mark(visitor_id: str, visit: str, reps: list[int]) -> list[int]:
    """Of these reps, those not told about this visit yet; they count as told now."""
    pipe = redis.client.pipeline(transaction=False)
    for rep in reps:
        _MARK(keys=[notified_key(visitor_id, rep)], args=[visit, NOTIFIED_TTL], client=pipe)
    return [rep for rep, new in zip(reps, pipe.execute(), strict=True) if new]


def arrival_of(visitor_id: str, reason: str | None) -> Arrival | None:
    """What the notice says about the visitor now (None: an unknown visitor)."""
    card = cards.card_for(visitor_id)
    if card is None:
        return None
    return Arrival(visitor_id, card.name, card.company, reason, card.title or card.url)


def render(arrival: Arrival) -> str:
    """The notice fragment (board/_arrival.html)."""
    return render_template_anywhere("board/_arrival.html", arrival=arrival)


def announce(visitor_id: str, assignment: Assignment) -> list[int]:
    """Tell the reps this assignment newly holds the visitor for; returns who was told."""
    reps = held_for(assignment)
    hot = hot_state.load(visitor_id) if reps else None
    if hot is None or hot.presence.state == "left":
        return []
    told = _mark(visitor_id, str(hot.session_id or ""), reps)
    arrival = arrival_of(visitor_id, assignment.reason) if told else None
    if arrival is None:
        return []
    html = render(arrival)
    for rep in told:
        prompts.notify(rep, html)  # replaces its earlier notice (same id)
    return told


def _landed(change: changes.Change) -> bool:
    """A returning visitor lands in a stream again while routing still holds them for a
    rep (their assignment outlives the visit): routing saves nothing new, yet the rep's
    prospect just arrived."""
    return change.kind == "membership" and triggers.pounce_wanted(
        change.data.get("old") or {}, change.data.get("new") or {})


def on_change(change: changes.Change) -> None:
    """Subscriber: a saved assignment may hold the visitor for new reps; a visitor
    landing in a stream may be back for the reps it holds them for."""
    try:
        if change.kind == "routing" and not change.data.get("cleared"):
            announce(change.visitor_id, Assignment.from_dict(change.data))
        elif _landed(change):
            held = assignments.get(change.visitor_id)
            if held is not None:
                announce(change.visitor_id, held)
    except Exception:  # the change is stored; a notice must not fail it
        log.exception("pounce arrival notice failed for %s", change.visitor_id)
