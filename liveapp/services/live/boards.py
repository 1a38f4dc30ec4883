"""Live board updates: a visitor change becomes card events, rendered once, sent only to
the boards that see the visitor, and only when something they show changed.

Per visitor the last state sent is kept in Redis (which channel shows the card in which
column, and a digest of the card's HTML). Each change compares it with the new state:
- a channel that no longer sees the visitor gets a removal;
- a channel that sees it in a new column gets a "place" (remove, then insert at the
  top of the column; reps also get the column's header, since their board only names
  the streams that hold their visitors);
- a channel that sees it in the same column gets an in-place update, if the card changed.
A heartbeat that changes nothing therefore sends nothing.

Out-of-band swaps (htmx SSE extension, `sse-swap` with `hx-swap="none"`): rep boards
listen to `card` events on `rep:<id>`, admin boards to `admin-card` on `admin` (an
admin's own channel carries no card events, so the two never disagree). A visitor's
detail page listens to `visitor-<id>` on its viewer's own channel: card updates and
timeline entries.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, field

from liveapp import metrics
from liveapp.domain.timeline import routing_key
from liveapp.extensions import redis
from liveapp.services import board, changes, membership, realtime, timeline, viewers
from liveapp.services.board import Column
from liveapp.services.live import card_cache, cards
from liveapp.services.live.card_cache import Placed
from liveapp.services.live.cards import Card
from liveapp.services.live.rendering import render_template_anywhere, rendering

log = logging.getLogger(__name__)

SENT_TTL = 24 * 3600
DIGEST = "#digest"
ADMIN_EVENT = "admin-card"
REP_EVENT = "card"
BOARD_PRESENCE_GRACE = 60.0  # seconds: whose boards get a `refresh` after settings change


def detail_event(visitor_id: str) -> str:
    """The SSE event name a visitor's detail page listens to."""
    return f"visitor-{visitor_id}"


def _sent_key(visitor_id: str) -> str:
    return redis.key("board", "sent", visitor_id)


# ---------------------------------------------------------------- rendering


_render = render_template_anywhere
render_card = card_cache.render


def _oob(card_html: str) -> str:
    """The card as an in-place out-of-band swap (it replaces the element with its id)."""
    return card_html.replace("<article ", '<article hx-swap-oob="true" ', 1)


def _removal(visitor_id: str) -> str:
    return f'<article id="visitor-{visitor_id}" hx-swap-oob="delete"></article>'


def _insert(column_id: str, card_html: str) -> str:
    return f'<div hx-swap-oob="afterbegin:#{column_id}-cards">{card_html}</div>'


def _column_head(card: Card) -> str:
    stream = board.stream_by_id(card.stream_id) if card.stream_id is not None else None
    if stream is None:
        return ""
    column = Column(card.column_id, stream.name, stream.colour, stream.id)
    html = _render("board/_column_head.html", column=column)
    return html.replace("<header ", '<header hx-swap-oob="true" ', 1)


# ---------------------------------------------------------------- targets and state


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


# Swap what a visitor's boards were sent for what they are sent now, atomically, and keep
# (or drop) the rendered card for board loads: one round trip.
SWAP_SCRIPT = """
local old = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1])
if #ARGV > 3 then
  redis.call('HSET', KEYS[1], unpack(ARGV, 4))
  redis.call('EXPIRE', KEYS[1], ARGV[1])
end
if ARGV[2] == '' then
  redis.call('DEL', KEYS[2])
else
  redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3])
end
return old
"""


_swap_script = None


def _swapper():
    """The registered swap script (its SHA computed once per process)."""
    global _swap_script
    if _swap_script is None:
        _swap_script = redis.client.register_script(SWAP_SCRIPT)
    return _swap_script


def _swap_states(swaps: list[tuple[str, dict[str, str], Placed | None]],
                 generation: int) -> list[dict[str, str]]:
    """Store what each visitor's boards are now shown (and the rendered card), in one
    round trip; returns what each was shown before, in the same order."""
    if not swaps:
        return []
    script = _swapper()
    pipe = redis.client.pipeline(transaction=False)
    for visitor_id, new, placed in swaps:
        pairs = [item for field_value in new.items() for item in field_value]
        script(keys=[_sent_key(visitor_id), card_cache.cache_key(generation, visitor_id)],
               args=[SENT_TTL, placed.encode() if placed else "", card_cache.CACHE_TTL, *pairs],
               client=pipe)
    return [{old[i].decode(): old[i + 1].decode() for i in range(0, len(old), 2)}
            for old in pipe.execute()]


@dataclass
class Delivery:
    """The events one change produced: (channel, event name, data)."""

    events: list[tuple[str, str, str]] = field(default_factory=list)
    card_changed: bool = False


def plan(visitor_id: str, card: Card | None, card_html: str,
         old: dict[str, str], new: dict[str, str]) -> Delivery:
    """The events that take every board from what it was sent to what it should show."""
    old_digest = old.pop(DIGEST, None)
    digest = new.get(DIGEST) if DIGEST in new else None
    new = {k: v for k, v in new.items() if k != DIGEST}
    delivery = Delivery(card_changed=card_html != "" and old_digest != digest)
    payloads: dict[tuple[str, str], str] = {}

    def payload(kind: str, channel: str, column: str = "") -> str:
        rep = channel != realtime.ADMIN_CHANNEL
        # A board that was not showing the card has nothing to remove (a removal with no
        # target is an htmx:oobErrorNoTarget in its console): only a move removes first.
        moved = channel in old
        key = (kind, column + ("/rep" if rep and kind == "place" else "")
               + ("/move" if moved and kind == "place" else ""))
        if key not in payloads:
            if kind == "remove":
                payloads[key] = _removal(visitor_id)
            elif kind == "update":
                payloads[key] = _oob(card_html)
            else:
                head = _column_head(card) if rep else ""
                removal = _removal(visitor_id) if moved else ""
                payloads[key] = removal + head + _insert(column, card_html)
        return payloads[key]

    for channel in sorted(set(old) | set(new)):
        event = ADMIN_EVENT if channel == realtime.ADMIN_CHANNEL else REP_EVENT
        if channel not in new:
            delivery.events.append((channel, event, payload("remove", channel)))
        elif old.get(channel) != new[channel]:
            delivery.events.append((channel, event, payload("place", channel, new[channel])))
        elif delivery.card_changed:
            delivery.events.append((channel, event, payload("update", channel)))
    return delivery


@dataclass(frozen=True)
class Refreshed:
    """One visitor's refresh: the card (None for an unknown visitor), its HTML and what
    was sent."""

    card: Card | None
    html: str
    delivery: Delivery


def refresh(visitor_id: str, pipe=None) -> tuple[Card | None, str, Delivery]:
    """Bring every board showing (or now to show) this visitor up to date; returns the
    card (None for an unknown visitor), its HTML and what was sent (the events queued on
    `pipe` if given, sent when the caller executes it)."""
    done = refresh_many([visitor_id], pipe)[visitor_id]
    return done.card, done.html, done.delivery


def refresh_many(visitor_ids: list[str], pipe=None) -> dict[str, Refreshed]:
    """`refresh` for several visitors at once: their cards loaded in bulk, each rendered
    once, every board state swapped in one round trip, the events sent in one more (or
    queued on `pipe`)."""
    loaded, generation = cards.load_many(visitor_ids)
    with rendering():
        rendered = {vid: render_card(card) if card is not None else ""
                    for vid, card in loaded.items()}
    swaps = []
    for visitor_id, card in loaded.items():
        html = rendered[visitor_id]
        new = targets(card)
        if new:
            new[DIGEST] = hashlib.sha1(html.encode()).hexdigest()
        placed = Placed.of(card, html) if card is not None and card.live else None
        swaps.append((visitor_id, new, placed))
    done: dict[str, Refreshed] = {}
    events: list[tuple[str, str, str]] = []
    for (visitor_id, new, _), old in zip(swaps, _swap_states(swaps, generation), strict=True):
        card, html = loaded[visitor_id], rendered[visitor_id]
        delivery = plan(visitor_id, card, html, old, new)
        events.extend(delivery.events)
        done[visitor_id] = Refreshed(card, html, delivery)
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
            name = cards.experience_name_at(changes.noted(membership.SETTINGS_NOTE),
                                            new["experience_id"]) or "an experience"
            entries.append(timeline.Entry(at, "experience", f"Receiving experience {name}"))
        if data.get("stream_changed") and new.get("stream_id"):
            stream = board.stream_by_id(new["stream_id"])
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
    if data["status"] == "open":
        origin = str(data.get("origin") or "").replace("_", " ")
        return timeline.Entry(at, "chat", f"Chat started by {rep}",
                              detail=f"{origin} chat" if origin else "")
    return timeline.Entry(at, "chat", f"Chat with {rep} closed")


def render_entries(entries: list[timeline.Entry]) -> str:
    return "".join(_render("board/_timeline_entry.html", entry=e) for e in entries)


def _tell_viewers(visitor_id: str, watching: tuple[int, ...], card_html: str,
                  card_changed: bool, entries: list[timeline.Entry], pipe=None) -> None:
    if not watching or not (card_changed or entries):
        return
    parts = []
    if entries:
        newest_first = sorted(entries, key=lambda e: e.at, reverse=True)
        parts.append(f'<div hx-swap-oob="afterbegin:#timeline-{visitor_id}">'
                     f"{render_entries(newest_first)}</div>")
    if card_changed and card_html:
        parts.append(_oob(card_html))
    data = "".join(parts)
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
            _tell_viewers(visitor_id, watching, refreshed.html,
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
    for user_id in realtime.seen_since(time.time() - BOARD_PRESENCE_GRACE):
        realtime.send(realtime.rep_channel(user_id), "refresh", "refresh")
