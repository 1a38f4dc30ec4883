"""Who may be offered a visitor right now, and in words why not."""

from __future__ import annotations

from collections.abc import Collection
from typing import NamedTuple

from liveapp.domain.routing.inputs import Rep

EXCLUDED_SHORT = "already declined or missed this visitor"


class Skip(NamedTuple):
    """Why a rep is not eligible: `short` reads after a list of names, `text` after one."""

    short: str
    text: str


def ineligibility(rep: Rep, excluded: Collection[int] = ()) -> Skip | None:
    """None when the rep is eligible, else the first reason they are not.

    Exclusion is checked last on purpose: a rep skipped *only* because they already
    declined or missed this visitor tells the caller the offers were exhausted.
    """
    if not rep.active:
        return Skip("deactivated", "is deactivated")
    if not rep.is_chat_user:
        return Skip("not chat users", "is not a chat user")
    if rep.availability != "available":
        return Skip(rep.availability, f"is {rep.availability}")
    if not rep.in_working_hours:
        return Skip("outside working hours", "is outside working hours")
    if rep.open_chats >= rep.max_chats:
        return Skip(
            "at their chat limit", f"is at their chat limit ({rep.open_chats}/{rep.max_chats})"
        )
    if rep.id in excluded:
        return Skip(EXCLUDED_SHORT, "already declined or missed this visitor")
    return None



def is_eligible(rep: Rep, excluded: Collection[int] = ()) -> bool:
    """True when the rep may be offered the visitor now."""
    return ineligibility(rep, excluded) is None
