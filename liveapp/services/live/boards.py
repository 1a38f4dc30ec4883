"""Live board updates: a visitor change becomes card events, rendered once, sent only to
the boards that see the visitor, and only when something they show changed.

Per visitor the last state sent is kept in Redis (`sent`: which channel shows the card in
which column, and a digest of the card's HTML). Each change compares it with the new state:
- a channel that no longer sees the visitor gets a removal;
- a channel that sees it in a new column gets a "place" (remove, then insert at the
  top of the column; reps also get the column's header, since their board only names
  the streams that hold their visitors);
- a channel that sees it in the same column gets an in-place update, if the card changed.
A heartbeat that changes nothing therefore sends nothing.

Out-of-band swaps (htmx SSE extension, `sse-swap` with `hx-swap="none"`; the payloads are
templates: board/_card.html with `oob`, _card_place.html, _card_remove.html): rep boards
listen to `card` events on `rep:<id>`, admin boards to `admin-card` on `admin` (an
admin's own channel carries no card events, so the two never disagree). A visitor's
detail page listens to `visitor-<id>` on its viewer's own channel: card updates and
timeline entries.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from markupsafe import Markup

from liveapp import metrics
from liveapp.domain.timeline import routing_key
from liveapp.extensions import redis
from liveapp.infra import realtime
from liveapp.services.bus import changes
from liveapp.services.live import board_view, card_cache, cards, sent, viewers
from liveapp.services.live.board_view import Column
from liveapp.services.live.card_cache import Placed, Rendered
from liveapp.services.live.cards import Card
from liveapp.services.live.rendering import render_template_anywhere, rendering
from liveapp.services.membership import live_membership
from liveapp.services.routing import board_presence
from liveapp.services.tracking import timeline

log = logging.getLogger(__name__)

ADMIN_EVENT = "admin-card"
REP_EVENT = "card"
BOARD_PRESENCE_GRACE = 60.0  # seconds: whose boards get a `refresh` after settings change

SENT = sent.Ledger("board")  # per visitor: which channel shows the card in which column


def detail_event(visitor_id: str) -> str:
    """The SSE event name a visitor's detail page listens to."""
    return f"visitor-{visitor_id}"


# ---------------------------------------------------------------- targets and events


def targets(card: Card | None) -> dict[str, str]:
    """Which channels show this card, and in which column: the admin channel every live
    visitor; each routed rep's channel a live visitor in a stream."""
    if card is None or not card.live:
        return {}
    shown = {realtime.ADMIN_CHANNEL: card.column_id}
    if card.stream_id is not None:
        for user_id in card.routed_user_ids:
            shown[realtime.rep_channel(user_id)] = card.column_id
    return shown


def _column(card: Card) -> Column | None:
    stream = board_view.stream_by_id(card.stream_id) if card.stream_id is not None else None
    if stream is None:
        return None
    return Column(card.column_id, stream.name, stream.colour, stream.id)


@dataclass
class Delivery:
    """The events one change produced: (channel, event name, data)."""

    events: list[tuple[str, str, str]] = field(default_factory=list)
    card_changed: bool = False


def plan(visitor_id: str, rendered: Rendered | None, old: dict[str, str],
         new: dict[str, str]) -> Delivery:
    """The events that take every board from what it was sent to what it should show
    (`sent.plan`). Each distinct payload is rendered once, whatever the number of boards.
    A board that was not showing the card has nothing to remove (a removal with no target
    is an htmx:oobErrorNoTarget in its console): only a move removes first."""
    steps = sent.plan(old, new)
    delivery = Delivery(card_changed=rendered is not None and steps.changed)
    payloads: dict[tuple, str] = {}

    def payload(step: sent.Step) -> str:
        rep = step.channel != realtime.ADMIN_CHANNEL
        key = (step.kind, step.where, rep, step.moved) if step.kind == "place" else step.kind
        if key not in payloads:
            if step.kind == "remove":
                payloads[key] = render_template_anywhere("board/_card_remove.html",
                                                         visitor_id=visitor_id)
            elif step.kind == "update":
                payloads[key] = rendered.oob
            else:
                payloads[key] = render_template_anywhere(
                    "board/_card_place.html", visitor_id=visitor_id, moved=step.moved,
                    column=_column(rendered.card) if rep else None, column_id=step.where,
                    card_html=Markup(rendered.html))  # noqa: S704 (rendered, escaped)
        return payloads[key]

    for step in steps.steps:
        event = ADMIN_EVENT if step.channel == realtime.ADMIN_CHANNEL else REP_EVENT
        delivery.events.append((step.channel, event, payload(step)))
    return delivery


@dataclass(frozen=True)
class Refreshed:
    """One visitor's refresh: the card rendered (None for an unknown visitor) and what
    was sent."""

    rendered: Rendered | None
    delivery: Delivery

    @property
    def card(self) -> Card | None:
        return self.rendered.card if self.rendered is not None else None


def refresh_many(visitor_ids: list[str], pipe=None) -> dict[str, Refreshed]:
    """Bring every board showing (or now to show) these visitors up to date: their cards
    loaded in bulk, each rendered once, every board state swapped in one round trip, the
    events sent in one more (or queued on `pipe`, sent when the caller executes it)."""
    tickets = dict(zip(visitor_ids, SENT.tickets(visitor_ids), strict=True))  # before the
    # read: a refresh that read older data than another's does not overwrite it (sent.Ledger)
    loaded, generation = cards.load_many(visitor_ids)
    with rendering():
        rendered = {vid: Rendered.of(card) if card is not None else None
                    for vid, card in loaded.items()}
    swaps = []
    for visitor_id, card in loaded.items():
        html = rendered[visitor_id].html if card is not None else ""
        placed = Placed.of(card, html) if card is not None and card.live else None
        keep = sent.Keep(card_cache.cache_key(generation, visitor_id),
                         placed.encode() if placed else "", card_cache.CACHE_TTL)
        swaps.append((visitor_id, sent.shown(targets(card), html), keep))
    done: dict[str, Refreshed] = {}
    events: list[tuple[str, str, str]] = []
    with rendering():
        olds = SENT.swap(swaps, [tickets[visitor_id] for visitor_id, _, _ in swaps])
        for (visitor_id, new, _), old in zip(swaps, olds, strict=True):
            delivery = plan(visitor_id, rendered[visitor_id], old, new) if old is not None \
                else Delivery()  # a later refresh has sent newer
            events.extend(delivery.events)
            done[visitor_id] = Refreshed(rendered[visitor_id], delivery)
    if events:
        metrics.cards_sent(events)
        realtime.send_many(events, pipe)
    return done


# ---------------------------------------------------------------- timeline


def _names(ids) -> str:
    names = cards.user_names(int(i) for i in ids)
    return ", ".join(names.get(int(i), f"user {i}") for i in ids)


def timeline_entries(change: changes.Change, pipe=None) -> list[timeline.Entry]:
    """What a change adds to the visitor's timeline (page views live in the database)."""
    data, at = change.data, change.at
    if change.kind == "page_view":
        return [timeline.page_view_entry(data.get("url", ""), data.get("title"), at)]
    entries = []
    if change.kind == "membership":
        new = data.get("new") or {}
        if data.get("experience_changed") and new.get("experience_id"):
            name = cards.experience_name_at(changes.noted(live_membership.SETTINGS_NOTE),
                                            new["experience_id"]) or "an experience"
            entries.append(timeline.Entry(at, "experience", f"Receiving experience {name}"))
        if data.get("stream_changed") and new.get("stream_id"):
            stream = board_view.stream_by_id(new["stream_id"])
            if stream is not None:
                entries.append(timeline.Entry(at, "stream", f"Entered stream {stream.name}"))
    elif change.kind == "routing":
        # Routing runs again often and mostly decides the same: one entry per decision.
        if timeline.routing_changed(change.visitor_id, routing_key(data)):
            entries.append(_routing_entry(data, at))
    elif change.kind == "identify" and data.get("email"):
        entries.append(timeline.Entry(at, "identify", f"Identified as {data['email']}"))
    elif change.kind == "presence" and data.get("state") == "left":
        entries.append(timeline.Entry(at, "presence", "Left the site"))
    elif change.kind == "bot" and data.get("value"):
        entries.append(_bot_entry(data, at))
    elif (change.kind == "conversation" and data.get("message_id") is None
          and data.get("status") in ("open", "closed")):
        entries.append(_chat_entry(data, at))
    elif change.kind == "meeting" and data.get("status") == "booked":
        entries.append(timeline.Entry(at, "meeting", f"Booked a meeting with "
                                      f"{data.get('rep_name', '')} for {data.get('when', '')}"))
    for entry in entries:
        timeline.record(change.visitor_id, entry, pipe)
    return entries


def _routing_entry(data: dict, at: float) -> timeline.Entry:
    if data.get("cleared"):
        return timeline.Entry(at, "routing", "Routing cleared")
    whom = data.get("claimed_by")
    if whom is not None:
        text = f"Claimed by {_names([whom])}"
    else:
        people = data.get("offered_to") or data.get("routed_to") or []
        verb = "Offered to" if data.get("offered_to") else "Routed to"
        text = f"{verb} {_names(people) or 'nobody'}"
    mode = str(data.get("mode", "")).replace("_", " ")
    return timeline.Entry(at, "routing", f"{data.get('rule_name', '')} ({mode}): {text}",
                          detail=str(data.get("explanation") or ""))


def _bot_entry(data: dict, at: float) -> timeline.Entry:
    """The visitor answered the bot: its question and their answer."""
    asked, value = str(data.get("asked") or ""), str(data["value"])
    text = f"Asked “{asked}”, answered “{value}”" if asked else f"Answered “{value}”"
    return timeline.Entry(at, "bot", text)


def _chat_entry(data: dict, at: float) -> timeline.Entry:
    """A rep started or closed a chat with the visitor."""
    rep = _names([data["rep_id"]]) if data.get("rep_id") is not None else "a rep"
    if data["status"] == "open" and data.get("transferred_from") is not None:
        return timeline.Entry(at, "chat", f"{_names([data['transferred_from']])} handed "
                              f"the chat to {rep}")
    if data["status"] == "open":
        origin = str(data.get("origin") or "").replace("_", " ")
        return timeline.Entry(at, "chat", f"Chat started by {rep}",
                              detail=f"{origin} chat" if origin else "")
    return timeline.Entry(at, "chat", f"Chat with {rep} closed")


def _tell_viewers(visitor_id: str, watching: tuple[int, ...], rendered: Rendered | None,
                  card_changed: bool, entries: list[timeline.Entry], pipe=None) -> None:
    if not watching or not (card_changed or entries):
        return
    data = render_template_anywhere(
        "board/_detail_update.html", visitor_id=visitor_id,
        entries=sorted(entries, key=lambda e: e.at, reverse=True),
        card_oob=Markup(rendered.oob) if card_changed and rendered else None)  # noqa: S704
    event = detail_event(visitor_id)
    realtime.send_many([(realtime.rep_channel(user_id), event, data) for user_id in watching],
                       pipe)


# ---------------------------------------------------------------- subscriber


def handle(visitor_id: str, batch: list[changes.Change]) -> None:
    """One visitor's changes: see `handle_many`."""
    handle_many({visitor_id: batch})


def handle_many(batches: dict[str, list[changes.Change]]) -> None:
    """Each visitor's changes (a unit of work's worth): refresh their cards once, in
    bulk, then tell the reps viewing their detail pages."""
    pipe = redis.client.pipeline(transaction=False)  # what follows, in one round trip
    try:
        done = refresh_many(list(batches), pipe)
        for visitor_id, mine in batches.items():
            refreshed = done[visitor_id]
            entries = [e for change in mine for e in timeline_entries(change, pipe)]
            watching = refreshed.card.viewer_ids if refreshed.card is not None else ()
            _tell_viewers(visitor_id, watching, refreshed.rendered,
                          refreshed.delivery.card_changed, entries, pipe)
    finally:  # what was ready goes out even if a later step failed
        if len(pipe):
            pipe.execute()


def on_changes(batch: list[changes.Change]) -> None:
    """Bus handler (after membership and routing): each visitor's card is rendered and
    sent once for all its changes in the batch, the batch's cards in bulk; a settings
    change refreshes the boards."""
    batches = changes.visitor_batches(batch)
    if batches:
        try:
            handle_many(batches)
        except Exception:  # one bad visitor must not keep the others' cards back
            log.exception("board update of %d visitors failed; one by one", len(batches))
            for visitor_id, mine in batches.items():
                _safely(visitor_id, mine)
    if changes.settings_kinds(batch):
        on_settings_changed()


def _safely(visitor_id: str, batch: list[changes.Change]) -> None:
    try:
        handle(visitor_id, batch)
    except Exception:  # the event is recorded; a board update must not fail it
        log.exception("board update failed for %s", visitor_id)


def viewing_changed(visitor_id: str) -> None:
    """Someone opened or closed this visitor's detail: the cards' markers changed."""
    _safely(visitor_id, [])


def sweep_viewers(now: float | None = None) -> set[str]:
    """Take expired "viewing" markers off the cards (a detail page closed without its
    beacon); returns the visitors whose cards changed."""
    changed = viewers.sweep(now)
    for visitor_id in sorted(changed):
        viewing_changed(visitor_id)
    return changed


def on_settings_changed() -> None:
    """Streams, segments or experiences changed: every open board re-fetches its columns."""
    card_cache.new_generation()
    realtime.send(realtime.ADMIN_CHANNEL, "refresh", "refresh")
    for user_id in board_presence.seen_since(time.time() - BOARD_PRESENCE_GRACE):
        realtime.send(realtime.rep_channel(user_id), "refresh", "refresh")
