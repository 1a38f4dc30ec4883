"""What a simulated rep (liveapp.demo.reps) reads on its board: the event stream's
frames, the accept prompts of an `offer` event or of `/offers/`, the board's active cards,
the page's CSRF token and stream URL."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

CSRF_META = re.compile(r'name="csrf-token" content="([^"]+)"')
STREAM = re.compile(r'sse-connect="([^"]+)"')
OFFER = re.compile(r'data-offer="([^"]+)"')
INBOUND = re.compile(r'data-claim-url="/conversations/claim/([^"/]+)"')
UNTIL = re.compile(r'data-until="(\d+)"')
SHOWN = re.compile(r'id="offer-([^"]+)"')
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


def inbound_offers(html: str) -> dict[str, float | None]:
    """The inbound chat prompts a fragment shows: visitor id -> countdown end (epoch
    seconds) or None. Transfer prompts and notices are left out."""
    found: dict[str, float | None] = {}
    starts = [m.start() for m in OFFER.finditer(html)] + [len(html)]
    for start, end in zip(starts, starts[1:], strict=False):
        chunk = html[start:end]
        claim = INBOUND.search(chunk)
        if claim:
            until = UNTIL.search(chunk)
            found[claim.group(1)] = float(until.group(1)) if until else None
    return found
