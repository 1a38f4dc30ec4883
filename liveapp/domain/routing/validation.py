"""Routing rule form validation: field name -> message, nothing saved when non-empty."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from liveapp.domain.routing.inputs import (
    DISTRIBUTIONS,
    LAST_CHATTED_DAYS_RANGE,
    OFFER_TIMEOUT_RANGE,
    OUTREACH_MODES,
    WHEN_NOBODY,
)

NAME_MAX = 120
TRUE_WORDS = {"1", "true", "on", "y", "yes"}
ROUTES_TO_NOBODY = (
    "This rule can route to nobody: turn on Outreach/Salesloft or Salesforce owner "
    "routing, or choose users, groups or all users to route to, or a fallback."
)


def flag(value: Any) -> bool:
    """A checkbox value as a bool ("on", "y", "true", True...)."""
    if isinstance(value, str):
        return value.strip().lower() in TRUE_WORDS
    return bool(value)


def validate_rule(rule: Mapping[str, Any], *, enterprise: bool = False) -> dict[str, str]:
    """Errors in a routing rule as submitted, by field; empty when it can be saved.

    Keys read: name, last_chatted and last_chatted_days, outreach_mode ("" / None for
    off), salesforce_owner, account_team,
    account_team_roles, route_to_all, route_to_users, route_to_groups, fallback_users,
    fallback_groups, distribution, offer_timeout_seconds, when_nobody. Whether the
    user and group ids exist is the service's check, not this one.
    """
    errors: dict[str, str] = {}
    _check_name(rule, errors)
    _check_choices(rule, errors)
    for key in ("route_to_users", "route_to_groups", "fallback_users", "fallback_groups"):
        if _ids(rule.get(key)) is None:
            errors[key] = "Choose from the list."
    if flag(rule.get("account_team")) and not enterprise:
        errors["account_team"] = (
            "Account Team Member routing is an enterprise feature that is not switched on "
            "for this installation."
        )
    if rule.get("distribution") == "round_robin":
        _check_timeout(rule.get("offer_timeout_seconds"), errors)
    if flag(rule.get("last_chatted")):
        _check_last_chatted_days(rule.get("last_chatted_days"), errors)
    if not errors and not _routes_to_anyone(rule, enterprise):
        errors["route_to"] = ROUTES_TO_NOBODY
    return errors


def _check_name(rule: Mapping[str, Any], errors: dict[str, str]) -> None:
    name = str(rule.get("name") or "").strip()
    if not name:
        errors["name"] = "Give the rule a name."
    elif len(name) > NAME_MAX:
        errors["name"] = f"Keep the name under {NAME_MAX} characters."


def _check_choices(rule: Mapping[str, Any], errors: dict[str, str]) -> None:
    if rule.get("outreach_mode") not in (None, "", *OUTREACH_MODES):
        errors["outreach_mode"] = "Choose email sender, prospect owner or both."
    if rule.get("distribution") not in DISTRIBUTIONS:
        errors["distribution"] = "Choose First Available, Round Robin or Balanced."
    if rule.get("when_nobody", "queue") not in WHEN_NOBODY:
        errors["when_nobody"] = "Choose the meeting booker or the queue."


def _check_timeout(value: Any, errors: dict[str, str]) -> None:
    low, high = OFFER_TIMEOUT_RANGE
    try:
        seconds = int(str(value).strip())
    except ValueError:
        errors["offer_timeout_seconds"] = "Give the offer timeout in whole seconds."
        return
    if not low <= seconds <= high:
        errors["offer_timeout_seconds"] = (
            f"Round Robin needs an offer timeout between {low} and {high} seconds."
        )


def last_chatted_days(value: Any) -> int | None:
    """The days a "last chatted rep" step looks back, when valid (else None)."""
    try:
        days = int(str(value).strip())
    except ValueError:
        return None
    low, high = LAST_CHATTED_DAYS_RANGE
    return days if low <= days <= high else None


def _check_last_chatted_days(value: Any, errors: dict[str, str]) -> None:
    if last_chatted_days(value) is None:
        low, high = LAST_CHATTED_DAYS_RANGE
        errors["last_chatted_days"] = (
            f"Give how many days back the last chat counts, {low} to {high}.")


def _ids(value: Any) -> list[int] | None:
    """Ids from a multi-select (a list, or one value); None when one is not a number."""
    if value in (None, ""):
        return []
    values = value if isinstance(value, list | tuple | set | frozenset) else [value]
    try:
        return [int(str(v).strip()) for v in values]
    except ValueError:
        return None


def _routes_to_anyone(rule: Mapping[str, Any], enterprise: bool) -> bool:
    return bool(
        rule.get("outreach_mode")
        or flag(rule.get("last_chatted"))
        or flag(rule.get("salesforce_owner"))
        or (enterprise and flag(rule.get("account_team")))
        or flag(rule.get("route_to_all"))
        or any(_ids(rule.get(k)) for k in (
            "route_to_users", "route_to_groups", "fallback_users", "fallback_groups"))
    )
