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


OUTSIDE_HOURS = Skip("outside working hours", "is outside working hours")


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
        closed = " (board closed)" if rep.board_closed else ""
        return Skip(rep.availability, f"is {rep.availability}{closed}")
    if not rep.in_working_hours:
        return OUTSIDE_HOURS
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


class RepState(NamedTuple):
    """How routing sees a rep right now, for admins: eligible or not, and in words."""

    eligible: bool
    words: str


def rep_state(rep: Rep, hours: str = "") -> RepState:
    """The rep's routing state: "Available (board open)", else the reason routing gives
    when it skips them, on its own ("Away", "Offline (board closed)", "At their chat
    limit (3/3)"). `hours` (their working hours in words) follows "Outside working hours".

    Eligibility needs an open board because routing's reps carry board presence
    (a closed board makes them offline), hence "board open".
    """
    why = ineligibility(rep)
    if why is None:
        return RepState(True, "Available (board open)")
    words = why.text.removeprefix("is ")
    if why == OUTSIDE_HOURS and hours:
        words = f"{words}: {hours}"
    return RepState(False, words[:1].upper() + words[1:])
