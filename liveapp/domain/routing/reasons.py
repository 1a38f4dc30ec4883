"""Why a visitor went where it went, in a few words for the card everyone sees.

A routing decision's `reason` is written for the reps it is offered to ("from your
Outreach sequence", "your Salesforce lead", "via Target accounts"): the arrival notice
reads it to them. The card is the same for every viewer, so it says it about the rep:
"Outreach sequence", "Salesforce lead owner", "the rule's reps".
"""

from __future__ import annotations

# What the card says when no rep was chosen (the decision's outcome), in place of a reason.
NO_REP = {
    "queue": "waiting for a free rep",
    "none": "no rep available",
    "no_rule": "no rule matched",
    "meeting_booker": "meeting booker shown",
}
RECORDS = ("lead", "contact", "account")
LAST_CHATTED = "you chatted with them last"  # the last chatted rep step's reason


def card_reason(reason: str | None, outcome: str | None) -> str | None:
    """The card's short "why" for a routing decision's reason and outcome; None when the
    decision says nothing (an assignment written before reasons existed)."""
    if outcome in NO_REP:
        return reason or NO_REP[outcome]  # a reason here says why: "Sales EMEA closed"
    if not reason:
        return None
    if reason.startswith("via "):
        return "the rule's reps"
    if reason == LAST_CHATTED:
        return "the rep they last chatted with"
    about = reason.removeprefix("from ").removeprefix("your ")
    words = about.casefold().split()
    if words and words[-1] in RECORDS:
        return f"{about} owner"
    return about


def closed_reason(group_names: list[str]) -> str | None:
    """The short why of a decision that found nobody because groups were outside their
    business hours ("Sales EMEA closed"); None when none was."""
    if not group_names:
        return None
    return f"{', '.join(dict.fromkeys(group_names))} closed"
