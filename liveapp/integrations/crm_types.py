"""Plain data the CRM clients return, and the one error they raise."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

UnavailableReason = Literal["down", "rate_limited", "auth", "timeout", "bad_answer"]
REASONS: tuple[str, ...] = ("down", "rate_limited", "auth", "timeout", "bad_answer")


class CrmUnavailable(Exception):
    """A CRM could not answer; callers record "unavailable" and fall through."""

    def __init__(self, service: str, reason: UnavailableReason, detail: str = "") -> None:
        if reason not in REASONS:
            raise ValueError(f"unknown reason {reason!r}")
        self.service = service
        self.reason = reason
        self.detail = detail
        super().__init__(f"{service} unavailable ({reason}){': ' + detail if detail else ''}")


@dataclass(frozen=True)
class SalesforceAccount:
    """An Account and how it was found."""

    account_id: str
    name: str | None
    website: str | None
    owner_id: str | None
    owner_email: str | None
    owner_active: bool | None
    match_rule: str  # "record" | "website_domain" | "company_name"


@dataclass(frozen=True)
class SalesforceMatch:
    """The Contact or Lead (or only the Account) a visitor matched in Salesforce."""

    record_type: Literal["Contact", "Lead"] | None
    record_id: str | None
    owner_id: str | None
    owner_email: str | None
    owner_active: bool | None
    account_id: str | None
    account_name: str | None
    account_owner_id: str | None
    account_owner_email: str | None
    converted_from_lead: bool = False
    account_match_rule: str | None = None  # None when no account, else SalesforceAccount's


@dataclass(frozen=True)
class SalesforceUser:
    user_id: str
    email: str | None
    name: str | None
    active: bool


@dataclass(frozen=True)
class AccountTeamMember:
    user_id: str
    email: str | None
    role: str | None


@dataclass(frozen=True)
class CrmUser:
    """A user of Outreach or Salesloft (matched to app users by email)."""

    user_id: str
    email: str | None
    name: str | None


@dataclass(frozen=True)
class ProspectOwnership:
    """Who owns a prospect/person in Outreach or Salesloft, and who last emailed them."""

    source: Literal["outreach", "salesloft"]
    prospect_id: str
    owner_id: str | None
    owner_email: str | None
    sender_id: str | None
    sender_email: str | None
