"""What a simulated rep (liveapp.demo.reps) reads on its board: the event stream's
frames, the accept prompts (inbound chats and chats handed over) of an `offer` event or of
`/offers/`, the board's active cards, the page's CSRF token and stream URL."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

CSRF_META = re.compile(r'name="csrf-token" content="([^"]+)"')
STREAM = re.compile(r'sse-connect="([^"]+)"')
OFFER = re.compile(r'data-offer="([^"]+)"')
INBOUND = re.compile(r'data-claim-url="/conversations/claim/([^"/]+)"')
TRANSFER = re.compile(r'data-claim-url="/transfers/(\d+)/accept"')
VISITOR_URL = re.compile(r'data-visitor-url="/board/visitors/([^"/]+)"')
UNTIL = re.compile(r'data-until="(\d+)"')
SHOWN = re.compile(r'id="offer-([^"]+)"|id="(transfer-\d+)"')  # a prompt, or its removal
ACTIVE_CARD = re.compile(r'class="visitor-card presence-active" data-visitor="([^"]+)"')
STARTED = re.compile(r"/conversations/(\d+)")
VISITOR_WROTE = 'class="message message-visitor"'


async def frames(lines: AsyncIterator[str]) -> AsyncIterator[tuple[str, str]]:
    """(event, data) of each SSE event in a stream's lines (comments skipped)."""
    event, data = "message", []
    async for line in lines:
        if line == "":
            if data:
                yield event, "\n".join(data)
            event, data = "message", []
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "event":
                event = value
            elif name == "data":
                data.append(value)


@dataclass(frozen=True)
class Offer:
    """An accept prompt the board shows: an inbound chat, or a chat handed to the rep
    (`conversation_id`: the chat, None for an inbound one)."""

    visitor_id: str
    until: float | None  # its countdown's end (epoch seconds), None without one
    conversation_id: int | None = None

    @property
    def key(self) -> str:
        """The prompt's own name on the board (its `data-offer`, what `shown` reads)."""
        return f"transfer-{self.conversation_id}" if self.conversation_id else self.visitor_id


def offers(html: str) -> dict[str, Offer]:
    """The accept prompts a fragment shows, by `Offer.key`; notices, and prompts replaced
    by who took them, are left out."""
    found: dict[str, Offer] = {}
    starts = [m.start() for m in OFFER.finditer(html)] + [len(html)]
    for start, end in zip(starts, starts[1:], strict=False):
        chunk = html[start:end]
        until = UNTIL.search(chunk)
        until = float(until.group(1)) if until else None
        inbound, transfer = INBOUND.search(chunk), TRANSFER.search(chunk)
        visitor = VISITOR_URL.search(chunk)
        if inbound:
            offer = Offer(inbound.group(1), until)
        elif transfer and visitor:
            offer = Offer(visitor.group(1), until, int(transfer.group(1)))
        else:
            continue
        found[offer.key] = offer
    return found


def shown(html: str) -> set[str]:
    """The keys of the prompts a fragment names: shown, replaced or taken off."""
    return {inbound or transfer for inbound, transfer in SHOWN.findall(html)}
