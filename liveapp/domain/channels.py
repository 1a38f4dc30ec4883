"""Live-event channels and who may subscribe to them (pure: no Flask, no models)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

ADMIN_CHANNEL = "admin"
MAX_CHANNELS = 3  # per stream: an admin board needs two (own + admin)


class Decision(Enum):
    ALLOW = "allow"
    UNAUTHENTICATED = "unauthenticated"
    FORBIDDEN = "forbidden"


@dataclass(frozen=True)
class Subscriber:
    """Who asks to subscribe: a signed-in user, a visitor holding a valid token, or nobody.

    `visitor_id` is the id a *verified* token was issued for, never an unchecked value.
    """

    user_id: int | None = None
    is_admin: bool = False
    visitor_id: str | None = None


def rep_channel(user_id: int) -> str:
    """A rep's (or admin's) own board channel."""
    return f"rep:{user_id}"


def visitor_channel(visitor_id: str) -> str:
    """A visitor widget's own conversation channel."""
    return f"visitor:{visitor_id}"


def is_visitor_channel(channel: str) -> bool:
    """True for a `visitor:<id>` channel (a widget's own conversation)."""
    kind, _, ident = channel.partition(":")
    return kind == "visitor" and bool(ident)


def rep_id_of(channel: str) -> int | None:
    """The user id a `rep:<id>` channel belongs to, else None."""
    kind, _, ident = channel.partition(":")
    if kind != "rep" or not ident.isdigit() or ident != str(int(ident)):
        return None
    return int(ident)


def may_subscribe(channel: str, who: Subscriber) -> Decision:
    """A rep: only their own channel; an admin: theirs and the admin channel; a visitor
    widget: only its own conversation; anything else is forbidden."""
    if is_visitor_channel(channel):
        return (Decision.ALLOW if who.visitor_id == channel.partition(":")[2]
                else Decision.FORBIDDEN)
    if who.user_id is None:
        return Decision.UNAUTHENTICATED
    if channel == rep_channel(who.user_id):
        return Decision.ALLOW
    if channel == ADMIN_CHANNEL and who.is_admin:
        return Decision.ALLOW
    return Decision.FORBIDDEN


def may_subscribe_all(channels: list[str], who: Subscriber) -> Decision:
    """One stream, several channels: allowed only if every one is, and there are at most
    MAX_CHANNELS. A request that needs a sign-in is told so (401) before it is told no."""
    if len(channels) > MAX_CHANNELS:
        return Decision.FORBIDDEN
    decisions = {may_subscribe(channel, who) for channel in channels or [""]}
    for decision in (Decision.UNAUTHENTICATED, Decision.FORBIDDEN):
        if decision in decisions:
            return decision
    return Decision.ALLOW
