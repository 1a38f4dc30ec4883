"""Builders for routing domain tests: reps, rules and CRM facts with readable defaults."""

from __future__ import annotations

from liveapp.domain.routing import CrmFacts, EngagementFacts, Rep, RoutingRule, SalesforceFacts
from liveapp.domain.salesforce_ids import checksum

NAMES = ["Ann Lee", "Bob Baker", "Cy Young", "Di Prince", "Ed Stone", "Flo Rida", "Gus Grant"]


def rep(rep_id: int, **fields) -> Rep:
    """Rep `rep_id`: available chat user, 0/3 chats, in hours, email <first name>@x.com."""
    suffix = "" if rep_id <= len(NAMES) else str(rep_id)
    default = NAMES[(rep_id - 1) % len(NAMES)] + (f" {suffix}" if suffix else "")
    name = fields.pop("name", default)
    email = fields.pop("email", f"{name.split()[0].lower()}{suffix}@x.com")
    groups = frozenset(fields.pop("groups", ()))
    return Rep(id=rep_id, name=name, email=email, group_ids=groups, **fields)


def rule(rule_id: int = 1, name: str = "Target accounts", **fields) -> RoutingRule:
    fields.setdefault("position", rule_id)
    for key in ("route_to_users", "route_to_groups", "fallback_users", "fallback_groups"):
        if key in fields:
            fields[key] = tuple(fields[key])
    if "account_team_roles" in fields:
        fields["account_team_roles"] = frozenset(fields["account_team_roles"])
    return RoutingRule(id=rule_id, name=name, **fields)


def outreach(sender: str | None = None, owner: str | None = None) -> EngagementFacts:
    return EngagementFacts(sender_email=sender, prospect_owner_email=owner)


def salesforce(**fields) -> SalesforceFacts:
    if "account_team" in fields:
        fields["account_team"] = tuple(tuple(m) for m in fields["account_team"])
    return SalesforceFacts(**fields)


def crm(**fields) -> CrmFacts:
    return CrmFacts(**fields)


def sf_id(n: int, long: bool = True) -> str:
    """A Salesforce user id: 15 characters, or the 18-character form with its checksum."""
    short = f"005{n:012d}"
    return short + checksum(short) if long else short
