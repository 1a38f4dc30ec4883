"""Inbound chat accept prompts on the reps' boards.

A visitor who asked to chat (an Assignment with trigger "inbound" and outcome "offer",
claimed by nobody, still on the site) is shown as an accept prompt to every rep it is
offered to: all candidates at once (First Available), or the one rep whose turn it is
with a countdown to `offer_until` (Round Robin, Balanced).

Per visitor Redis keeps which reps were sent the prompt and a digest of its HTML (`sent`).
Every change compares that with who should see it now: a rep who no longer should gets a
removal, a new one an insert at the top of their prompts, the others an in-place update
when the prompt changed (the visitor moved to another page); when another rep claimed the
visitor, the others' prompts are replaced by a note saying who accepted first, not taken
away without a word. A change that alters nothing sends nothing. Events go to each rep's
own channel (`rep:<id>`) as `offer`, an htmx out-of-band fragment, so admins see prompts
only when they are offered the visitor.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass

from markupsafe import Markup

from liveapp.domain.avatars import Avatar
from liveapp.extensions import db, redis
from liveapp.infra import realtime
from liveapp.models import User, Visitor
from liveapp.services.bus import changes
from liveapp.services.live import cards, sent
from liveapp.services.live.rendering import render_template_anywhere
from liveapp.services.routing import assignments, router
from liveapp.services.routing.assignments import Assignment
from liveapp.services.tracking import hot_state
from liveapp.services.tracking.hot_state import HotState

log = logging.getLogger(__name__)

EVENT = "offer"
LIST_ID = "offers-list"  # where a rep's board shows their prompts
SENT = sent.Ledger("offers")  # per visitor: which reps were sent its prompt
# Changes that can start, end or alter a prompt: routing, the visitor leaving, a claim,
# and what the prompt shows (page, name, company).
KINDS = frozenset({"routing", "presence", "conversation", "page_view", "identify",
                   "enrichment", "crm"})


@dataclass(frozen=True)
class Prompt:
    """What an accept prompt shows."""

    visitor_id: str
    name: str
    company: str | None
    title: str
    url: str
    rule_name: str
    mode: str
    offer_until: float | None
    at: float = 0.0
    offered_to: tuple[Avatar, ...] = ()  # every rep it is offered to, for their avatars

    @property
    def mode_label(self) -> str:
        return self.mode.replace("_", " ").capitalize()


def prompt_id(visitor_id: str) -> str:
    return f"offer-{visitor_id}"




# ---------------------------------------------------------------- who sees a prompt


def offered_reps(assignment: Assignment | None, hot: HotState | None,
                 excluded: Iterable[int] = (), now: float | None = None) -> set[int]:
    """The reps who should see an accept prompt for this visitor now.

    Nobody unless the visitor asked to chat, is offered (not queued, not at the meeting
    booker), unclaimed and still on the site. Reps who declined or timed out are left out
    even before routing moved on; a one-rep offer whose timeout is long overdue (its job
    lost) shows to nobody.
    """
    if assignment is None or hot is None or hot.presence.state == "left":
        return set()
    if (assignment.trigger != "inbound" or assignment.outcome != "offer"
            or assignment.claimed_by is not None):
        return set()
    now = time.time() if now is None else now
    if assignment.offer_until is not None and now > assignment.offer_until + router.OFFER_GRACE:
        return set()
    return set(assignment.offered_to) - set(excluded)


def _prompts(assignments_by_id: dict[str, Assignment]) -> list[Prompt]:
    """Prompts of these visitors (their cards loaded in bulk), newest offer first."""
    loaded, _ = cards.load_many(list(assignments_by_id))
    prompts = []
    for card in loaded.values():
        if card is None:
            continue
        assignment = assignments_by_id[card.id]
        prompts.append(Prompt(
            visitor_id=card.id, name=card.name, company=card.company, title=card.title,
            url=card.url, rule_name=assignment.rule_name or "", mode=assignment.mode or "",
            offer_until=assignment.offer_until, at=assignment.at,
            offered_to=tuple(card.routing.offered_to) if card.routing else ()))
    return sorted(prompts, key=lambda p: p.at, reverse=True)


def prompts_for(user_id: int, now: float | None = None) -> list[Prompt]:
    """The accept prompts this rep's board shows now, newest first (on board load)."""
    ids = sorted(assignments.visible_to_rep(user_id))
    current = assignments.get_many(ids)
    states = cards.live_states(ids)
    pipe = redis.client.pipeline(transaction=False)
    for visitor_id in ids:
        pipe.smembers(router.excluded_key(visitor_id))
    excluded = dict(zip(ids, pipe.execute() if ids else [], strict=True))
    shown = [vid for vid in ids if user_id in offered_reps(
        current.get(vid), states.get(vid), {int(m) for m in excluded[vid]}, now)]
    return _prompts({vid: current[vid] for vid in shown})


@dataclass(frozen=True)
class Taken:
    """A prompt another rep accepted first: what the others see in its place."""

    visitor_id: str
    name: str
    rep_id: int
    rep_name: str


def _taken(visitor_id: str, assignment: Assignment | None, hot) -> Taken | None:
    """Who claimed this visitor, when someone did (None otherwise)."""
    if assignment is None or assignment.claimed_by is None:
        return None
    rep = db.session.get(User, assignment.claimed_by)
    visitor = db.session.get(Visitor, visitor_id) if hot is not None else None
    return Taken(visitor_id, visitor.display_name if visitor is not None else "The visitor",
                 assignment.claimed_by, rep.name if rep is not None else "Another rep")


# ---------------------------------------------------------------- rendering


def render(prompt: Prompt, oob: bool = False) -> str:
    """The prompt fragment (board/_offer.html); `oob`: as an in-place out-of-band swap."""
    return render_template_anywhere("board/_offer.html", prompt=prompt, oob=oob)


def _on_top(html: str) -> str:
    """A prompt or a notice put on top of a rep's prompts area (board/_offer_on_top.html).
    No removal first: most boards do not show it, and a removal with no target logs
    htmx:oobErrorNoTarget there. A board loaded between the change and its event already
    shows it: board.js drops that copy when this one arrives (same id)."""
    return render_template_anywhere("board/_offer_on_top.html",
                                    html=Markup(html))  # noqa: S704 (rendered, escaped)


def notify(rep_id: int, html: str) -> None:
    """Put a notice (rendered HTML, e.g. a meeting just booked) on top of the rep's open
    boards' prompts area, where accept prompts go; an earlier notice with the same id
    (about the same thing) is replaced on the page, so it shows once (board.js)."""
    realtime.send(realtime.rep_channel(rep_id), EVENT, _on_top(html))


def plan(visitor_id: str, prompt: Prompt | None, html: str, old: dict[str, str],
         new: dict[str, str], taken: Taken | None = None) -> list[tuple[str, str, str]]:
    """(channel, event, data) taking every rep's prompts from what they were sent (`old`)
    to what they should show (`new`), states as `sent.shown` makes them, keyed by rep id.
    When another rep claimed the visitor (`taken`), the reps who lose the prompt see who
    took it in its place. Each payload is rendered once, however many reps get it."""
    payloads: dict[str, str] = {}

    def payload(kind: str) -> str:
        if kind not in payloads:
            if kind == "taken":
                payloads[kind] = render_template_anywhere("board/_offer_taken.html",
                                                          taken=taken, oob=True)
            elif kind == "remove":
                payloads[kind] = render_template_anywhere("board/_offer_remove.html",
                                                          visitor_id=visitor_id)
            elif kind == "place":
                payloads[kind] = _on_top(html)
            else:
                payloads[kind] = render(prompt, oob=True)
        return payloads[kind]

    events = []
    for step in sent.plan(old, new, order=int).steps:
        rep = int(step.channel)
        kind = ("taken" if step.kind == "remove" and taken is not None and rep != taken.rep_id
                else step.kind)
        events.append((realtime.rep_channel(rep), EVENT, payload(kind)))
    return events


# ---------------------------------------------------------------- state and refresh


def refresh(visitor_id: str, now: float | None = None) -> list[tuple[str, str, str]]:
    """Bring every rep's prompt for this visitor up to date; returns the events sent."""
    return refresh_many([visitor_id], now).get(visitor_id, [])


_READS = 6  # Redis replies queued per visitor by refresh_many


def refresh_many(visitor_ids: list[str], now: float | None = None
                 ) -> dict[str, list[tuple[str, str, str]]]:
    """`refresh` for several visitors: their state read in one round trip; only those
    with an offer, or a prompt shown before, go further. Returns the events sent, by
    visitor (those that sent none left out)."""
    pipe = redis.client.pipeline(transaction=False)
    for visitor_id in visitor_ids:
        SENT.tickets([visitor_id], pipe)  # before the reads (see sent.Ledger)
        hot_state.queue_read(pipe, visitor_id)
        pipe.get(assignments.assignment_key(visitor_id))
        pipe.smembers(router.excluded_key(visitor_id))
        pipe.hexists(SENT.key(visitor_id), sent.DIGEST)
    raws = pipe.execute() if visitor_ids else []
    done = {}
    for index, visitor_id in enumerate(visitor_ids):
        ticket, _, raw_hot, raw_assignment, excluded, was_sent = \
            raws[index * _READS:(index + 1) * _READS]
        try:
            events = _refresh(visitor_id, hot_state.decode(raw_hot),
                              assignments.decode(raw_assignment),
                              {int(m) for m in excluded}, was_sent, now, ticket)
        except Exception:  # the change is stored; a prompt update must not fail it
            log.exception("accept prompt update failed for %s", visitor_id)
            continue
        if events:
            done[visitor_id] = events
    return done


def _refresh(visitor_id: str, hot, assignment, excluded: set[int], was_sent,
             now: float | None, ticket: int) -> list[tuple[str, str, str]]:
    reps = offered_reps(assignment, hot, excluded, now)
    if not reps and not was_sent:
        return []  # the common case: no inbound offer, nothing shown anywhere
    prompts = _prompts({visitor_id: assignment}) if reps else []
    prompt = prompts[0] if prompts else None
    html = render(prompt) if prompt is not None else ""
    new = sent.shown({str(rep): LIST_ID for rep in reps} if html else {}, html)
    [old] = SENT.swap([(visitor_id, new, None)], [ticket])
    if old is None:
        return []  # a later refresh has sent newer
    taken = _taken(visitor_id, assignment, hot) if set(old) - set(new) else None
    events = plan(visitor_id, prompt, html, old, new, taken)
    if events:
        realtime.send_many(events)
    return events


# ---------------------------------------------------------------- subscriber


def on_changes(batch: list[changes.Change]) -> None:
    """Bus handler (after the cards): each visitor whose routing, presence or chat moved
    gets its accept prompts refreshed once."""
    moved = [visitor_id for visitor_id, mine in changes.visitor_batches(batch).items()
             if any(change.kind in KINDS for change in mine)]
    try:
        refresh_many(moved)
    except Exception:  # the changes are stored; a prompt update must not fail them
        log.exception("accept prompt update failed for %d visitors", len(moved))
