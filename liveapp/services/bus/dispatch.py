"""Who handles visitor and settings changes, stage by stage: the one place where the
order of the change bus (services/bus/changes.py) is written down.

    record      owner_lookup.on_change      an email or a company: look the visitor up in
                                            the CRMs
    membership  live_membership.on_changes  segments, experience, stream (once per visitor)
    routing     triggers.on_change            pounce on entering a stream; re-check on new facts
    cards       live.boards.on_changes      cards (rendered once per visitor), timelines,
                                            viewers' detail pages; boards refresh on settings
                arrivals.on_change          "your prospect just arrived" (after the card)
    prompts     live.prompts.on_changes     inbound accept prompts (once per visitor)
    chat        live.chat_panel.on_change   chat panels on the visitor detail
                chat_flow.on_change         an inbound request's status, and a new
                                            experience, to the visitor's widget

The CRM look-up is marked in flight (record) before routing runs (routing), so routing
waits for it; routing reads the stream membership just placed; the card shows both.
"""

from __future__ import annotations

from liveapp.services.bus import changes
from liveapp.services.chat import chat_flow
from liveapp.services.crm import owner_lookup
from liveapp.services.live import arrivals, boards, chat_panel, prompts
from liveapp.services.membership import live_membership
from liveapp.services.routing import triggers


def wire() -> None:
    """Register every handler in its stage, in the order above (idempotent)."""
    changes.subscribe(owner_lookup.on_change, "record")
    changes.handles("membership")(live_membership.on_changes)
    changes.subscribe(triggers.on_change, "routing")
    changes.handles("cards")(boards.on_changes)
    changes.subscribe(arrivals.on_change, "cards")
    changes.handles("prompts")(prompts.on_changes)
    changes.subscribe(chat_panel.on_change, "chat")
    changes.subscribe(chat_flow.on_change, "chat")
