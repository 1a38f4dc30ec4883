"""Routing rules: save, reorder and delete them, and build what the routing decision reads.

Validation is the pure domain's (`validate_rule`, the criteria engine); this module adds
what needs the database: unique names and user and group ids that exist.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask import current_app
from sqlalchemy import select

from liveapp.domain import criteria as criteria_engine
from liveapp.domain.routing import order
from liveapp.domain.routing.inputs import OFFER_TIMEOUT_RANGE
from liveapp.domain.routing.validation import flag, last_chatted_days, validate_rule
from liveapp.errors import ValidationFailed
from liveapp.extensions import db
from liveapp.models import Group, RoutingRule, User
from liveapp.services.bus import changes
from liveapp.services.membership import criteria_refs
from liveapp.services.settings import ordering
from liveapp.services.settings.names import name_taken

ID_FIELDS = {
    "route_to_users": User,
    "route_to_groups": Group,
    "fallback_users": User,
    "fallback_groups": Group,
}
MAX_ROLES = 20
ROLE_MAX = 80
DEFAULT_TIMEOUT = 30
OUTREACH_WORDS = {
    "sender": "Outreach sender",
    "owner": "Outreach prospect owner",
    "both": "Outreach sender and prospect owner",
}
DISTRIBUTION_WORDS = {
    "first_available": "First available",
    "round_robin": "Round robin",
    "balanced": "Balanced",
}
WHEN_NOBODY_WORDS = {"meeting_booker": "meeting booker", "queue": "queue"}


def enterprise_enabled() -> bool:
    """The installation's enterprise flag (Account Team Member routing)."""
    return bool(current_app.config.get("ENTERPRISE_FEATURES"))


def ordered_rules() -> list[RoutingRule]:
    """Every rule in the order they are tried."""
    return list(db.session.scalars(
        select(RoutingRule).order_by(RoutingRule.position, RoutingRule.id)
    ))


# ---------------------------------------------------------------- save


def save_rule(rule: RoutingRule | None, data: Mapping[str, Any], *,
              enterprise: bool | None = None) -> RoutingRule:
    """Create or update a rule from submitted values; raises ValidationFailed by field.

    `data` has the keys `validate_rule` reads plus `active` and `criteria` (the
    segments' format; no conditions is a catch-all). With the enterprise flag off the
    account team settings are left as they are: the decision ignores them anyway. A new
    rule goes directly above the first catch-all, where it can match.
    """
    enterprise = enterprise_enabled() if enterprise is None else enterprise
    criteria = _normalised_criteria(data.get("criteria"))
    roles = _roles(data.get("account_team_roles"))
    errors = _errors(rule, data, criteria, roles, enterprise)
    if errors:
        raise ValidationFailed(errors)
    parsed = criteria_engine.Criteria.from_dict(criteria, allow_empty=True, for_routing=True)
    if rule is None:
        rule = _placed_new_rule(order.is_catch_all(parsed))
    _apply(rule, data, parsed, roles, enterprise)
    db.session.commit()
    changes.settings_changed("routing")
    return rule


def _errors(rule: RoutingRule | None, data: Mapping[str, Any], criteria: Any,
            roles: list[str] | str, enterprise: bool) -> dict[str, Any]:
    errors: dict[str, Any] = dict(validate_rule(data, enterprise=enterprise))
    if "name" not in errors and name_taken(RoutingRule, str(data.get("name")).strip(), rule):
        errors["name"] = "A routing rule with this name already exists."
    problems = (criteria_engine.validate(criteria, allow_empty=True, for_routing=True)
                or criteria_engine.unmatchable(criteria) or criteria_refs.missing(criteria))
    if problems:
        errors["criteria"] = problems
    if isinstance(roles, str):
        errors["account_team_roles"] = roles
    for key, model in ID_FIELDS.items():
        if key not in errors and (missing := _missing(model, data.get(key))):
            kind = "user" if model is User else "group"
            errors[key] = f"Choose from the list: no {kind} with id {missing[0]}."
    return errors


def _normalised_criteria(raw: Any) -> Any:
    """Criteria as given; no conditions at all always means every visitor."""
    if raw is None:
        return {"match": "all", "conditions": []}
    if isinstance(raw, Mapping) and not raw.get("conditions"):
        return {**raw, "match": "all", "conditions": []}
    return raw


def _roles(raw: Any) -> list[str] | str:
    """Account team roles from a list or comma-separated text; a message when invalid."""
    values = raw.split(",") if isinstance(raw, str) else list(raw or [])
    roles = list(dict.fromkeys(str(v).strip() for v in values if str(v).strip()))
    if len(roles) > MAX_ROLES:
        return f"List at most {MAX_ROLES} roles."
    if any(len(role) > ROLE_MAX for role in roles):
        return f"Keep each role under {ROLE_MAX} characters."
    return roles


def _ids(value: Any) -> list[int]:
    """Ids from a multi-select, already checked by validate_rule."""
    if value in (None, ""):
        return []
    values = value if isinstance(value, list | tuple | set | frozenset) else [value]
    return list(dict.fromkeys(int(str(v).strip()) for v in values))


def _missing(model: type[User] | type[Group], value: Any) -> list[int]:
    ids = _ids(value)
    if not ids:
        return []
    found = set(db.session.scalars(select(model.id).where(model.id.in_(ids))))
    return [i for i in ids if i not in found]


def _rows(model: type[User] | type[Group], value: Any) -> list:
    ids = _ids(value)
    if not ids:
        return []
    return list(db.session.scalars(select(model).where(model.id.in_(ids))))


def _placed_new_rule(catch_all: bool) -> RoutingRule:
    """A new, empty rule in its place in the order (see `order.new_rule_index`)."""
    rules = ordered_rules()
    index = order.new_rule_index([_ranked(r) for r in rules], catch_all)
    rule = RoutingRule()
    db.session.add(rule)
    ordering.renumber([*rules[:index], rule, *rules[index:]], "position")
    return rule


def _apply(rule: RoutingRule, data: Mapping[str, Any], parsed: criteria_engine.Criteria,
           roles: list[str], enterprise: bool) -> None:
    rule.name = str(data.get("name")).strip()
    rule.active = flag(data.get("active", True))
    rule.criteria = parsed.to_dict()
    rule.outreach_mode = data.get("outreach_mode") or None
    rule.salesforce_owner = flag(data.get("salesforce_owner"))
    if enterprise:
        rule.account_team = flag(data.get("account_team"))
        rule.account_team_roles = roles
    rule.route_to_all = flag(data.get("route_to_all"))
    rule.route_to_users = _rows(User, data.get("route_to_users"))
    rule.route_to_groups = _rows(Group, data.get("route_to_groups"))
    rule.fallback_users = _rows(User, data.get("fallback_users"))
    rule.fallback_groups = _rows(Group, data.get("fallback_groups"))
    rule.distribution = data["distribution"]
    rule.offer_timeout_seconds = _timeout(data.get("offer_timeout_seconds"), rule)
    rule.when_nobody = data.get("when_nobody") or "meeting_booker"
    rule.last_chatted_days = (last_chatted_days(data.get("last_chatted_days"))
                              if flag(data.get("last_chatted")) else None)


def _timeout(value: Any, rule: RoutingRule) -> int:
    """The offer timeout; only Round Robin checks it, so others keep a sane value."""
    try:
        seconds = int(str(value).strip())
    except ValueError:
        return rule.offer_timeout_seconds or DEFAULT_TIMEOUT
    low, high = OFFER_TIMEOUT_RANGE
    return min(max(seconds, low), high)


# ---------------------------------------------------------------- order and delete


def reorder(rule_ids: Sequence[int]) -> list[RoutingRule]:
    """Save a new order; the ids must be exactly the existing rules."""
    ordering.apply_order(ordered_rules(), rule_ids, "position", "routing rule")
    db.session.commit()
    changes.settings_changed("routing")
    return ordered_rules()


def hidden_rules(rules: Sequence[RoutingRule]) -> dict[int, str]:
    """Rule id -> name of the catch-all above it, for the rules (in order) that never match."""
    return order.hidden_by([_ranked(r) for r in rules])


def hidden_by(rule: RoutingRule) -> str | None:
    """The name of the catch-all above this rule when it can never match, else None."""
    return hidden_rules(ordered_rules()).get(rule.id)


def _ranked(rule: RoutingRule) -> order.RankedRule:
    parsed = _parsed(rule.criteria)
    catch_all = parsed is not None and order.is_catch_all(parsed)
    return order.RankedRule(id=rule.id, name=rule.name, active=rule.active, catch_all=catch_all)


def delete_rule(rule: RoutingRule) -> None:
    """Delete a rule; the ones below it move up."""
    db.session.delete(rule)
    db.session.flush()
    ordering.renumber(ordered_rules(), "position")
    db.session.commit()
    changes.settings_changed("routing")


# ---------------------------------------------------------------- words


def describe_criteria(rule: RoutingRule, names: criteria_engine.Names | None = None) -> str:
    """Which visitors the rule applies to, in words (`names`: what ids stand for,
    criteria_refs.choices().names())."""
    parsed = _parsed(rule.criteria)
    if parsed is None:
        return "(criteria need fixing)"
    if order.is_catch_all(parsed):
        return "Every visitor"
    return criteria_engine.describe(parsed, names)


def _parsed(criteria: Any) -> criteria_engine.Criteria | None:
    """Saved criteria, or None when they no longer parse (e.g. a field was removed)."""
    try:
        return criteria_engine.Criteria.from_dict(criteria, allow_empty=True, for_routing=True)
    except criteria_engine.InvalidCriteria:
        return None


def summary(rule: RoutingRule, *, enterprise: bool | None = None) -> str:
    """The rule's steps and distribution in one line, e.g.
    "Outreach sender → Salesforce owner → group Enterprise; Round robin, 30 s"."""
    enterprise = enterprise_enabled() if enterprise is None else enterprise
    steps = _steps_in_words(rule, enterprise)
    mode = DISTRIBUTION_WORDS.get(rule.distribution, rule.distribution)
    if rule.distribution == "round_robin":
        mode += f", {rule.offer_timeout_seconds} s"
    nobody = WHEN_NOBODY_WORDS.get(rule.when_nobody, rule.when_nobody)
    return f"{' → '.join(steps) or 'nobody'}; {mode}; nobody available: {nobody}"


def _steps_in_words(rule: RoutingRule, enterprise: bool) -> list[str]:
    steps = []
    if rule.last_chatted_days is not None:
        steps.append(f"last chatted rep ({rule.last_chatted_days} days)")
    if rule.outreach_mode:
        steps.append(OUTREACH_WORDS.get(rule.outreach_mode, rule.outreach_mode))
    if rule.salesforce_owner:
        steps.append("Salesforce owner")
    if rule.account_team and enterprise:
        roles = ", ".join(rule.account_team_roles or [])
        steps.append(f"account team ({roles})" if roles else "account team")
    route_to = _targets(rule.route_to_users, rule.route_to_groups)
    if rule.route_to_all:
        route_to = "all users"
    if route_to:
        steps.append(route_to)
    fallback = _targets(rule.fallback_users, rule.fallback_groups)
    if fallback:
        steps.append(f"fallback {fallback}")
    return steps


def _targets(users: Sequence[User], groups: Sequence[Group]) -> str:
    names = [f"group {g.name}" for g in groups] + [u.name for u in users]
    return ", ".join(names)
