"""Routing rule form validation."""

from __future__ import annotations

import pytest

from liveapp.domain.routing import validate_rule
from liveapp.domain.routing.validation import ROUTES_TO_NOBODY

VALID = {"name": "Target accounts", "route_to_all": "on", "distribution": "first_available",
         "when_nobody": "queue"}


def test_a_rule_routing_to_all_users_is_valid():
    assert validate_rule(VALID) == {}


def test_a_rule_that_can_route_to_nobody_is_an_error():
    errors = validate_rule({**VALID, "route_to_all": "", "route_to_users": []})
    assert errors == {"route_to": ROUTES_TO_NOBODY}
    assert ROUTES_TO_NOBODY.startswith("This rule can route to nobody")


@pytest.mark.parametrize("source", [
    {"outreach_mode": "sender"}, {"salesforce_owner": "y"}, {"route_to_users": ["3"]},
    {"route_to_groups": [2]}, {"fallback_users": "4"}, {"fallback_groups": ["1"]},
])
def test_any_one_source_of_reps_is_enough(source):
    assert validate_rule({**VALID, "route_to_all": False, **source}) == {}


def test_account_team_needs_the_enterprise_flag():
    rule = {**VALID, "route_to_all": False, "account_team": True}
    assert "enterprise" in validate_rule(rule)["account_team"]
    assert validate_rule(rule, enterprise=True) == {}


@pytest.mark.parametrize(("timeout", "ok"), [
    ("10", True), (600, True), ("9", False), ("601", False), ("", False), ("soon", False),
])
def test_round_robin_needs_a_timeout_of_10_to_600_seconds(timeout, ok):
    errors = validate_rule({**VALID, "distribution": "round_robin",
                            "offer_timeout_seconds": timeout})
    assert ("offer_timeout_seconds" not in errors) is ok


def test_timeout_is_not_checked_for_other_distributions():
    assert validate_rule({**VALID, "distribution": "balanced", "offer_timeout_seconds": "0"}) == {}


@pytest.mark.parametrize(("change", "field"), [
    ({"name": "  "}, "name"),
    ({"name": "x" * 121}, "name"),
    ({"outreach_mode": "cc"}, "outreach_mode"),
    ({"distribution": "random"}, "distribution"),
    ({"distribution": None}, "distribution"),
    ({"when_nobody": "email"}, "when_nobody"),
    ({"route_to_users": ["1", "admin"]}, "route_to_users"),
])
def test_bad_fields_are_named(change, field):
    assert field in validate_rule({**VALID, **change})
