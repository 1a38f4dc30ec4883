"""The routing rules service: validation by field, ids that exist, order, and the domain
inputs it builds for the routing decision."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from liveapp.domain.facts import VisitorFacts
from liveapp.domain.routing import CrmFacts, SalesforceFacts, decide
from liveapp.domain.routing.validation import ROUTES_TO_NOBODY
from liveapp.errors import ValidationFailed
from liveapp.extensions import db
from liveapp.models import RoutingRule
from liveapp.services.routing import compiled_rules, routing_rules
from tests.factories import GroupFactory, RoutingRuleFactory, UserFactory

# Monday 23 November 2026, 10:00 UTC (11:00 in Paris, 05:00 in New York).
MONDAY_10_UTC = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
OFFICE = [[["09:00", "17:00"]]] * 5 + [[], []]


def data(**changes):
    base = {
        "name": "Target accounts", "active": True,
        "criteria": {"match": "all", "conditions": []},
        "outreach_mode": "", "salesforce_owner": False, "route_to_all": True,
        "route_to_users": [], "route_to_groups": [], "fallback_users": [],
        "fallback_groups": [], "distribution": "first_available",
        "offer_timeout_seconds": "30", "when_nobody": "meeting_booker",
    }
    return {**base, **changes}


def errors_of(values, enterprise=False, rule=None):
    with pytest.raises(ValidationFailed) as failed:
        routing_rules.save_rule(rule, values, enterprise=enterprise)
    assert db.session.scalars(select(RoutingRule)).all() == ([] if rule is None else [rule])
    return failed.value.errors


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": "  "}, "name", "Give the rule a name."),
        ({"name": "x" * 121}, "name", "Keep the name under 120"),
        ({"outreach_mode": "cousin"}, "outreach_mode", "email sender, prospect owner or both"),
        ({"distribution": "lottery"}, "distribution", "First Available, Round Robin"),
        ({"when_nobody": "panic"}, "when_nobody", "meeting booker or the queue"),
        ({"route_to_users": ["one"]}, "route_to_users", "Choose from the list."),
        ({"route_to_groups": ["x"]}, "route_to_groups", "Choose from the list."),
        ({"fallback_users": ["1.5"]}, "fallback_users", "Choose from the list."),
        ({"fallback_groups": ["?"]}, "fallback_groups", "Choose from the list."),
        ({"account_team": True}, "account_team", "enterprise feature"),
        ({"distribution": "round_robin", "offer_timeout_seconds": "soon"},
         "offer_timeout_seconds", "whole seconds"),
        ({"distribution": "round_robin", "offer_timeout_seconds": "5"},
         "offer_timeout_seconds", "between 10 and 600"),
        ({"route_to_all": False}, "route_to", ROUTES_TO_NOBODY),
    ],
)
def test_every_domain_error_surfaces_on_its_field(app_ctx, changes, field, message):
    errors = errors_of(data(**changes))
    assert message in errors[field]


def test_unknown_user_and_group_ids(app_ctx):
    user, group = UserFactory(), GroupFactory()
    errors = errors_of(data(route_to_users=[user.id, 9999], route_to_groups=[group.id],
                            fallback_groups=[8888], fallback_users=[str(user.id)]))
    assert errors == {
        "route_to_users": "Choose from the list: no user with id 9999.",
        "fallback_groups": "Choose from the list: no group with id 8888.",
    }


def test_duplicate_name_ignores_case(app_ctx):
    RoutingRuleFactory(name="Target Accounts")
    with pytest.raises(ValidationFailed) as failed:
        routing_rules.save_rule(None, data(name="target accounts"), enterprise=False)
    assert failed.value.errors == {"name": "A routing rule with this name already exists."}


def test_empty_criteria_is_a_catch_all(app_ctx, changes):
    rule = routing_rules.save_rule(None, data(criteria={"match": "any", "conditions": []}),
                                   enterprise=False)
    assert rule.criteria == {"match": "all", "conditions": []}
    assert routing_rules.describe_criteria(rule, {}) == "Every visitor"
    assert compiled_rules.domain_rules().matching(VisitorFacts()) == {rule.id}
    assert changes == ["routing"]


@pytest.mark.parametrize(
    ("criteria", "problem"),
    [
        ({"match": "all", "conditions": [{"field": "shoe_size", "operator": "equals"}]},
         "unknown field 'shoe_size'"),
        ({"match": "all", "conditions": [
            {"field": "page_count", "operator": "greater_than", "value": "lots"}]},
         "condition 1"),
        ({"match": "most", "conditions": [
            {"field": "email", "operator": "is_set", "value": None}]}, "match must be"),
        ("everyone", "criteria must be an object"),
    ],
)
def test_bad_criteria_are_refused(app_ctx, criteria, problem):
    errors = errors_of(data(criteria=criteria))
    assert any(problem in line for line in errors["criteria"])


def test_saves_every_setting(app_ctx):
    ann, bob = UserFactory(name="Ann"), UserFactory(name="Bob")
    enterprise_group, mid = GroupFactory(name="Enterprise"), GroupFactory(name="Mid-Market")
    rule = routing_rules.save_rule(None, data(
        outreach_mode="both", salesforce_owner="y", route_to_all=False,
        route_to_users=[str(ann.id)], route_to_groups=[enterprise_group.id],
        fallback_users=[bob.id], fallback_groups=[mid.id], distribution="round_robin",
        offer_timeout_seconds=" 45 ", when_nobody="queue", account_team="on",
        account_team_roles="Account Executive, , Sales Engineer, Account Executive",
    ), enterprise=True)
    db.session.expire_all()
    saved = db.session.get(RoutingRule, rule.id)
    assert (saved.outreach_mode, saved.salesforce_owner, saved.route_to_all) == (
        "both", True, False)
    assert [u.name for u in saved.route_to_users] == ["Ann"]
    assert [g.name for g in saved.route_to_groups] == ["Enterprise"]
    assert ([u.name for u in saved.fallback_users], [g.name for g in saved.fallback_groups]) == (
        ["Bob"], ["Mid-Market"])
    assert (saved.distribution, saved.offer_timeout_seconds, saved.when_nobody) == (
        "round_robin", 45, "queue")
    assert (saved.account_team, saved.account_team_roles) == (
        True, ["Account Executive", "Sales Engineer"])
    assert routing_rules.summary(saved, enterprise=True) == (
        "Outreach sender and prospect owner → Salesforce owner → account team "
        "(Account Executive, Sales Engineer) → group Enterprise, Ann → fallback group "
        "Mid-Market, Bob; Round robin, 45 s; nobody available: queue"
    )


def test_account_team_roles_are_checked(app_ctx):
    errors = errors_of(data(account_team=True, account_team_roles=["x" * 81]), enterprise=True)
    assert errors == {"account_team_roles": "Keep each role under 80 characters."}


def test_flag_off_keeps_a_saved_account_team_untouched(app_ctx):
    rule = RoutingRuleFactory(account_team=True, account_team_roles=["AE"])
    routing_rules.save_rule(rule, data(name=rule.name), enterprise=False)
    assert (rule.account_team, rule.account_team_roles) == (True, ["AE"])
    assert "account team" not in routing_rules.summary(rule, enterprise=False)


def test_new_rules_go_last_and_reorder_and_delete_renumber(app_ctx, changes):
    a, b, c = (routing_rules.save_rule(None, data(name=n), enterprise=False) for n in "ABC")
    assert [r.position for r in (a, b, c)] == [0, 1, 2]
    assert [r.name for r in routing_rules.reorder([c.id, a.id, b.id])] == ["C", "A", "B"]
    with pytest.raises(ValidationFailed):
        routing_rules.reorder([c.id, a.id])
    routing_rules.delete_rule(a)
    assert [(r.name, r.position) for r in routing_rules.ordered_rules()] == [("C", 0), ("B", 1)]
    assert changes == ["routing"] * 5


def test_domain_rules_and_reps_feed_the_decision(app_ctx):
    team = GroupFactory(name="Enterprise")
    ann = UserFactory(name="Ann", salesforce_user_id="0055g00000Lm7QaAAJ", groups=[team])
    bob = UserFactory(name="Bob", groups=[team], availability="away")
    cy = UserFactory(name="Cy", groups=[team], time_zone="America/New_York",
                     working_hours=OFFICE)
    target = routing_rules.save_rule(None, data(
        name="Target accounts", route_to_all=False, salesforce_owner=True,
        route_to_groups=[team.id], distribution="round_robin",
        criteria={"match": "all", "conditions": [
            {"field": "is_target_account", "operator": "equals", "value": True}]},
    ), enterprise=False)
    routing_rules.save_rule(None, data(name="Everyone else"), enterprise=False)
    RoutingRuleFactory(name="Switched off", active=False, position=-1)
    compiled = compiled_rules.domain_rules()
    assert [r.name for r in compiled.rules] == ["Target accounts", "Everyone else"]
    assert compiled.rules[0].route_to_groups == (team.id,)
    assert compiled.rules[0].group_names == {team.id: "Enterprise"}

    reps = compiled_rules.reps_for_routing(MONDAY_10_UTC)
    by_name = {r.name: r for r in reps}
    assert by_name["Cy"].in_working_hours is False  # 05:00 in New York
    assert by_name["Ann"].group_ids == frozenset({team.id})
    assert by_name["Ann"].open_chats == 0 and by_name["Ann"].last_assigned_at is None

    facts = VisitorFacts(is_target_account=True)
    matched = compiled.matching(facts)
    crm = CrmFacts(salesforce=SalesforceFacts(owner_user_id="0055g00000Lm7Qa",
                                              record_type="Contact"))
    decision = decide(compiled.rules, matched, reps, crm, trigger="inbound")
    assert (decision.outcome, decision.rule_id, decision.offer_to) == (
        "offer", target.id, (ann.id,))
    nobody_home = [r for r in reps if r.id != ann.id]
    fallback = decide(compiled.rules, matched, nobody_home, CrmFacts(), trigger="inbound")
    assert fallback.outcome == "meeting_booker"
    assert "Bob (away)" in fallback.summary and "Cy (outside working hours)" in fallback.summary
    assert bob.id not in fallback.candidates and cy.id not in fallback.candidates


def test_bad_stored_time_zone_counts_as_out_of_hours(app_ctx):
    UserFactory(name="Odd", time_zone="Mars/Olympus", working_hours=OFFICE)
    UserFactory(name="Always")
    reps = {r.name: r for r in compiled_rules.reps_for_routing(MONDAY_10_UTC)}
    assert (reps["Odd"].in_working_hours, reps["Always"].in_working_hours) == (False, True)


def test_demo_rules_are_seeded_once(app_ctx):
    from liveapp.demo import seeding

    seeding.seed()
    seeding.seed()
    rules = routing_rules.ordered_rules()
    assert [r.name for r in rules] == ["Outbound prospects", "Target accounts", "Everyone else"]
    assert routing_rules.summary(rules[1]).startswith(
        "Salesforce owner → group Enterprise; Round robin, 30 s")
    compiled = compiled_rules.domain_rules()
    reps = compiled_rules.reps_for_routing(MONDAY_10_UTC)
    decision = decide(compiled.rules, compiled.matching(VisitorFacts()), reps, CrmFacts())
    assert decision.rule_name == "Everyone else"
    assert {r.name for r in reps if r.id in decision.offer_to} <= {"Cara Chen", "Dev Desai",
                                                                   "Eli Evans"}


TARGETED = {"match": "all", "conditions": [
    {"field": "is_target_account", "operator": "equals", "value": True}]}


def _order():
    return [(r.name, r.position) for r in routing_rules.ordered_rules()]


def test_a_new_rule_goes_directly_above_the_first_catch_all(app_ctx, changes):
    routing_rules.save_rule(None, data(name="Outbound", criteria=TARGETED), enterprise=False)
    routing_rules.save_rule(None, data(name="Everyone else"), enterprise=False)
    routing_rules.save_rule(None, data(name="Late", criteria=TARGETED), enterprise=False)
    routing_rules.save_rule(None, data(name="Target", criteria=TARGETED, active=False),
                            enterprise=False)
    assert _order() == [("Outbound", 0), ("Late", 1), ("Target", 2), ("Everyone else", 3)]
    assert routing_rules.hidden_rules(routing_rules.ordered_rules()) == {}


def test_a_new_catch_all_goes_last_and_is_flagged(app_ctx):
    routing_rules.save_rule(None, data(name="Everyone else"), enterprise=False)
    second = routing_rules.save_rule(None, data(name="Night shift"), enterprise=False)
    assert _order() == [("Everyone else", 0), ("Night shift", 1)]
    assert routing_rules.hidden_by(second) == "Everyone else"


def test_an_inactive_catch_all_neither_hides_nor_places(app_ctx):
    RoutingRuleFactory(name="Old catch-all", active=False, position=0)
    RoutingRuleFactory(name="Outbound", criteria=TARGETED, position=1)
    routing_rules.save_rule(None, data(name="Target", criteria=TARGETED), enterprise=False)
    assert _order() == [("Old catch-all", 0), ("Outbound", 1), ("Target", 2)]
    assert routing_rules.hidden_rules(routing_rules.ordered_rules()) == {}


def test_reordering_below_a_catch_all_is_allowed_and_flagged(app_ctx):
    target = routing_rules.save_rule(None, data(name="Target", criteria=TARGETED), enterprise=False)
    catch_all = routing_rules.save_rule(None, data(name="Everyone else"), enterprise=False)
    paused = RoutingRuleFactory(name="Paused", criteria=TARGETED, active=False, position=5)
    rules = routing_rules.reorder([catch_all.id, target.id, paused.id])
    assert [r.name for r in rules] == ["Everyone else", "Target", "Paused"]
    assert routing_rules.hidden_rules(rules) == {target.id: "Everyone else",
                                                 paused.id: "Everyone else"}
    hidden = (routing_rules.hidden_by(target), routing_rules.hidden_by(catch_all))
    assert hidden == ("Everyone else", None)
    # What the warning says is what routing does: the catch-all takes every visitor.
    compiled = compiled_rules.domain_rules()
    targeted = VisitorFacts(is_target_account=True)
    decision = decide(compiled.rules, compiled.matching(targeted), [], trigger="inbound")
    assert decision.rule_name == "Everyone else"


def test_bad_input_with_a_catch_all_present_writes_and_moves_nothing(app_ctx, changes):
    RoutingRuleFactory(name="Everyone else", position=0)
    with pytest.raises(ValidationFailed):
        routing_rules.save_rule(None, data(name=" ", criteria=TARGETED), enterprise=False)
    assert _order() == [("Everyone else", 0)]
    assert changes == []


def test_criteria_that_no_longer_parse_are_not_a_catch_all(app_ctx):
    broken = RoutingRuleFactory(name="Broken", position=0, criteria={
        "match": "all", "conditions": [{"field": "removed_field", "operator": "is_set"}]})
    below = RoutingRuleFactory(name="Below", position=1, criteria=TARGETED)
    assert routing_rules.describe_criteria(broken) == "(criteria need fixing)"
    assert routing_rules.hidden_by(below) is None
