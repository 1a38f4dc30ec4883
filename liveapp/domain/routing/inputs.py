"""What a routing decision reads: reps, the visitor's CRM facts and the routing rules.

Plain frozen dataclasses, built by the routing service from rows and cached CRM
look-ups; nothing here knows where the values came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Self

Availability = Literal["available", "away", "offline"]
# pending: a look-up is in flight; not_looked_up: the CRM is configured but has no answer
# for this visitor (nothing to look them up by yet, or the look-up failed for good).
CrmStatus = Literal["ok", "unavailable", "not_found", "pending", "not_looked_up"]
OutreachMode = Literal["sender", "owner", "both"]
Distribution = Literal["first_available", "round_robin", "balanced"]
WhenNobody = Literal["meeting_booker", "queue"]
Trigger = Literal["pounce", "inbound"]

OUTREACH_MODES: tuple[str, ...] = ("sender", "owner", "both")
DISTRIBUTIONS: tuple[str, ...] = ("first_available", "round_robin", "balanced")
WHEN_NOBODY: tuple[str, ...] = ("meeting_booker", "queue")
TRIGGERS: tuple[str, ...] = ("pounce", "inbound")
OFFER_TIMEOUT_RANGE = (10, 600)
LAST_CHATTED_DAYS_RANGE = (1, 365)


@dataclass(frozen=True, slots=True)
class Rep:
    """An app user as routing sees them right now."""

    id: int
    name: str
    email: str
    is_chat_user: bool = True
    availability: Availability = "available"
    active: bool = True
    open_chats: int = 0
    max_chats: int = 3
    # Computed by the caller, e.g. with `in_working_hours(schedule, tz, now)`.
    in_working_hours: bool = True
    salesforce_user_id: str | None = None
    # None means never assigned, which counts as the longest wait.
    last_assigned_at: datetime | None = None
    group_ids: frozenset[int] = frozenset()
    # Set with availability "offline" when a closed board, not the rep's own choice, is
    # what makes them offline, so explanations can say which it was.
    board_closed: bool = False


class _LookUpStatus:
    """Constructors for a CRM look-up that gave no facts, shared by every CRM's facts."""

    __slots__ = ()

    @classmethod
    def unavailable(cls, reason: str) -> Self:
        return cls(status="unavailable", reason=reason)  # type: ignore[call-arg]

    @classmethod
    def not_found(cls) -> Self:
        return cls(status="not_found")  # type: ignore[call-arg]

    @classmethod
    def pending(cls) -> Self:
        return cls(status="pending")  # type: ignore[call-arg]

    @classmethod
    def not_looked_up(cls) -> Self:
        return cls(status="not_looked_up")  # type: ignore[call-arg]


@dataclass(frozen=True, slots=True)
class EngagementFacts(_LookUpStatus):
    """What Outreach or Salesloft knows about the visitor's prospect."""

    status: CrmStatus = "ok"
    reason: str = ""  # why the look-up is unavailable, e.g. "rate limited"
    prospect_owner_email: str | None = None
    sender_email: str | None = None


@dataclass(frozen=True, slots=True)
class SalesforceFacts(_LookUpStatus):
    """The visitor's Contact or Lead (a converted Lead already followed to its Contact)
    and the Account fuzzy-matched by email domain or company."""

    status: CrmStatus = "ok"
    reason: str = ""
    record_type: Literal["Contact", "Lead"] | None = None
    owner_user_id: str | None = None  # owner of the Contact or Lead
    owner_name: str | None = None
    account_owner_user_id: str | None = None
    account_owner_name: str | None = None
    account_team: tuple[tuple[str, str], ...] = ()  # (Salesforce user id, team role)


@dataclass(frozen=True, slots=True)
class CrmFacts:
    """CRM look-up results for one visitor; None means the integration is not configured
    (a configured one whose look-up is in flight is `pending`, never None)."""

    outreach: EngagementFacts | None = None
    salesloft: EngagementFacts | None = None
    salesforce: SalesforceFacts | None = None


@dataclass(frozen=True, slots=True)
class RoutingRule:
    """One ordered routing rule. Its criteria are evaluated by the caller (the criteria
    engine), which passes the ids of the matching rules to `decide`."""

    id: int
    name: str
    position: int = 0
    outreach_mode: OutreachMode | None = None  # Outreach or Salesloft, whichever has data
    salesforce_owner: bool = False  # Contact/Lead owner, else the matched Account's owner
    account_team: bool = False  # only honoured with the enterprise flag
    account_team_roles: frozenset[str] = frozenset()  # empty: every role
    route_to_users: tuple[int, ...] = ()
    route_to_groups: tuple[int, ...] = ()
    route_to_all: bool = False
    fallback_users: tuple[int, ...] = ()
    fallback_groups: tuple[int, ...] = ()
    distribution: Distribution = "first_available"
    offer_timeout_seconds: int = 30  # round robin: time a rep has to accept
    when_nobody: WhenNobody = "queue"
    # First the rep who chatted with the visitor last, if that chat started at most this
    # many days ago; None: no such step.
    last_chatted_days: int | None = None
    group_names: dict[int, str] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True, slots=True)
class LastChat:
    """The visitor's most recent conversation: who chatted with them, how long ago."""

    rep_id: int
    days_ago: float
