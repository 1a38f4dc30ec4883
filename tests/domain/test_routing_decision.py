"""The routing decision: rule order, owner-first steps, eligibility and the trace."""

from __future__ import annotations

import json

import pytest

from liveapp.domain.routing import (
    CrmFacts,
    EngagementFacts,
    RoutingDecision,
    SalesforceFacts,
    decide,
)
from tests.domain.routing_builders import crm, outreach, rep, rule, salesforce, sf_id

EMEA = 7


def team(*reps_):
    return list(reps_)


# --- rule order ---------------------------------------------------------------------------

def test_no_matching_rule_routes_nowhere_and_says_so():
    decision = decide([rule(1, route_to_all=True)], set(), team(rep(1)))
    assert decision.outcome == "no_rule"
    assert decision.rule_id is None and decision.offer_to == ()
    assert decision.summary == "no routing rule matched"


def test_top_ranked_matching_rule_wins_by_position_not_list_order():
    low = rule(1, "Everyone else", position=5, route_to_users=[1])
    top = rule(2, "Target accounts", position=1, route_to_users=[2])
    unmatched = rule(3, "Partners", position=0, route_to_users=[3])
    decision = decide([low, top, unmatched], {1, 2}, team(rep(1), rep(2), rep(3)))
    assert (decision.rule_id, decision.rule_name) == (2, "Target accounts")
    assert decision.offer_to == (2,)
    assert decision.trace[0] == "rule 'Target accounts' matched"


def test_a_matched_rule_that_finds_nobody_does_not_fall_to_the_next_rule():
    first = rule(1, "Strict", route_to_users=[1])
    second = rule(2, "Loose", route_to_users=[2])
    decision = decide([first, second], {1, 2}, team(rep(1, availability="away"), rep(2)))
    assert decision.rule_id == 1 and decision.outcome == "queue"


# --- 1. Outreach / Salesloft -------------------------------------------------------------

@pytest.mark.parametrize(("mode", "expected"), [
    ("sender", (1,)), ("owner", (2,)), ("both", (1, 2)),
])
def test_outreach_modes_offer_sender_then_owner(mode, expected):
    facts = crm(outreach=outreach(sender="ANN@X.com", owner="bob@x.com "))
    decision = decide([rule(outreach_mode=mode, route_to_users=[3])], {1},
                      team(rep(1), rep(2), rep(3)), facts)
    assert decision.step == "outreach"
    assert decision.offer_to == expected == decision.candidates


def test_outreach_both_with_one_person_as_sender_and_owner_offers_them_once():
    facts = crm(outreach=outreach(sender="ann@x.com", owner="ann@x.com"))
    decision = decide([rule(outreach_mode="both")], {1}, team(rep(1)), facts)
    assert decision.offer_to == (1,)


def test_outreach_sender_who_is_not_a_chat_user_falls_through_to_salesforce_owner():
    facts = crm(outreach=outreach(sender="ann@x.com"),
                salesforce=salesforce(record_type="Contact", owner_user_id=sf_id(2)))
    reps = team(rep(1, is_chat_user=False), rep(2, salesforce_user_id=sf_id(2)))
    decision = decide([rule(outreach_mode="sender", salesforce_owner=True)], {1}, reps, facts)
    assert decision.offer_to == (2,)
    assert decision.summary == (
        "rule 'Target accounts' matched; Outreach sender ann@x.com is not a chat user; "
        "Salesforce Contact owner Bob Baker is available → Bob Baker"
    )


def test_outreach_sender_unknown_to_the_app_is_traced():
    facts = crm(outreach=outreach(sender="stranger@y.com"))
    decision = decide([rule(outreach_mode="sender", route_to_users=[1])], {1}, team(rep(1)), facts)
    assert "Outreach sender stranger@y.com is not an app user" in decision.trace
    assert decision.step == "route_to"


def test_salesloft_is_used_when_outreach_is_down():
    facts = crm(outreach=EngagementFacts.unavailable("timed out"),
                salesloft=outreach(owner="bob@x.com"))
    decision = decide([rule(outreach_mode="owner")], {1}, team(rep(1), rep(2)), facts)
    assert decision.offer_to == (2,)
    assert decision.trace[1:] == (
        "Outreach unavailable (timed out): skipped",
        "Salesloft prospect owner bob@x.com is available → Bob Baker",
    )


def test_outreach_without_a_prospect_or_not_configured_falls_through():
    not_found = crm(outreach=EngagementFacts.not_found())
    decision = decide([rule(outreach_mode="both", route_to_users=[1])], {1}, team(rep(1)),
                      not_found)
    assert "Outreach: no prospect for this visitor" in decision.trace
    assert decision.offer_to == (1,)
    decision = decide([rule(outreach_mode="both", route_to_users=[1])], {1}, team(rep(1)))
    assert "Outreach/Salesloft not configured: skipped" in decision.trace


# --- 2. Salesforce owner and account team ------------------------------------------------

@pytest.mark.parametrize("record_type", ["Contact", "Lead"])
def test_salesforce_record_owner_matched_on_15_or_18_character_ids(record_type):
    facts = crm(salesforce=salesforce(record_type=record_type, owner_user_id=sf_id(2, long=False),
                                      account_owner_user_id=sf_id(3)))
    reps = team(rep(2, salesforce_user_id=sf_id(2)), rep(3, salesforce_user_id=sf_id(3)))
    decision = decide([rule(salesforce_owner=True)], {1}, reps, facts)
    assert decision.offer_to == (2,)
    assert decision.step == "salesforce_owner"
    assert decision.trace[-1] == (
        f"Salesforce {record_type} owner Bob Baker is available → Bob Baker"
    )


def test_salesforce_ids_differing_only_in_case_are_different_users():
    facts = crm(salesforce=salesforce(record_type="Lead", owner_user_id="005aaaaaaaaaaaa"))
    reps = team(rep(2, salesforce_user_id="005AAAAAAAAAAAA"))
    decision = decide([rule(salesforce_owner=True)], {1}, reps, facts)
    assert decision.outcome == "queue"


# The demo's ids before issue 12: 16 characters, equal in their first 15.
OLD_DEMO_IDS = ("0055g00000DEMO02", "0055g00000DEMO03", "0055g00000DEMO04", "0055g00000DEMO05")


def test_invalid_ids_sharing_their_first_15_characters_match_nobody():
    reps = team(*(rep(n, salesforce_user_id=sid) for n, sid in enumerate(OLD_DEMO_IDS, 1)))
    facts = crm(salesforce=salesforce(record_type="Contact", owner_user_id=OLD_DEMO_IDS[0],
                                      owner_name="Ann Lee"))
    decision = decide([rule(salesforce_owner=True, route_to_users=[2])], {1}, reps, facts)
    assert decision.step == "route_to" and decision.offer_to == (2,)
    assert ("Salesforce Contact owner Ann Lee matches no app user: 0055g00000DEMO02 is not "
            "a valid Salesforce user id") in decision.trace


@pytest.mark.parametrize("owner_long", [True, False])
@pytest.mark.parametrize("rep_long", [True, False])
def test_each_owner_goes_to_their_own_rep_whatever_the_id_form(owner_long, rep_long):
    reps = team(*(rep(n, salesforce_user_id=sf_id(n, long=rep_long)) for n in (1, 2, 3, 4)))
    for owner in (1, 2, 3, 4):
        facts = crm(salesforce=salesforce(record_type="Contact",
                                          owner_user_id=sf_id(owner, long=owner_long)))
        decision = decide([rule(salesforce_owner=True)], {1}, reps, facts)
        assert decision.offer_to == (owner,), decision.trace


def test_an_invalid_account_team_member_id_matches_nobody():
    members = [("0055g00000DEMO03", "CSM"), (sf_id(3), "Sales Engineer")]
    facts = crm(salesforce=salesforce(account_team=members))
    reps = team(rep(2, salesforce_user_id="0055g00000DEMO03"), rep(3, salesforce_user_id=sf_id(3)))
    decision = decide([rule(account_team=True)], {1}, reps, facts, enterprise=True)
    assert decision.offer_to == (3,)
    assert ("account team CSM 0055g00000DEMO03 matches no app user: 0055g00000DEMO03 is not "
            "a valid Salesforce user id") in decision.trace


def test_without_contact_or_lead_the_matched_account_owner_is_used():
    facts = crm(salesforce=salesforce(account_owner_user_id=sf_id(3), account_owner_name="Cy"))
    reps = team(rep(3, salesforce_user_id=sf_id(3, long=False)))
    decision = decide([rule(salesforce_owner=True)], {1}, reps, facts)
    assert decision.offer_to == (3,)
    assert decision.trace[-1] == "Salesforce Account owner Cy Young is available → Cy Young"


def test_salesforce_owner_who_is_not_an_app_user_falls_through():
    facts = crm(salesforce=salesforce(record_type="Contact", owner_user_id=sf_id(9),
                                      owner_name="Zed Former"))
    decision = decide([rule(salesforce_owner=True, route_to_users=[1])], {1}, team(rep(1)), facts)
    assert "Salesforce Contact owner Zed Former is not an app user" in decision.trace
    assert decision.offer_to == (1,)


@pytest.mark.parametrize(("reason", "line"), [
    ("rate limited", "Salesforce unavailable (rate limited): skipped"),
    ("", "Salesforce unavailable (no reason given): skipped"),
])
def test_salesforce_unavailable_falls_through_with_the_reason(reason, line):
    facts = crm(salesforce=SalesforceFacts.unavailable(reason))
    decision = decide([rule(salesforce_owner=True, account_team=True, route_to_users=[1])], {1},
                      team(rep(1)), facts, enterprise=True)
    assert decision.offer_to == (1,) and decision.step == "route_to"
    assert decision.trace.count(line) == 1  # said once for owner and account team


def test_both_crms_down_fall_through_to_route_to_with_both_reasons():
    facts = CrmFacts(outreach=EngagementFacts.unavailable("HTTP 503"),
                     salesforce=SalesforceFacts.unavailable("rate limited"))
    decision = decide([rule(outreach_mode="both", salesforce_owner=True, route_to_users=[1])],
                      {1}, team(rep(1)), facts)
    assert decision.summary == (
        "rule 'Target accounts' matched; Outreach unavailable (HTTP 503): skipped; "
        "Salesforce unavailable (rate limited): skipped; route to Ann Lee → Ann Lee"
    )


def test_salesforce_not_found_is_traced():
    decision = decide([rule(salesforce_owner=True, fallback_users=[1])], {1}, team(rep(1)),
                      crm(salesforce=SalesforceFacts.not_found()))
    assert "Salesforce: no matching Contact, Lead or Account" in decision.trace
    assert decision.step == "fallback"


ACCOUNT_TEAM = [(sf_id(3), "Sales Engineer"), (sf_id(4), "Account Executive"), (sf_id(9), "CSM")]


def team_reps():
    return team(rep(1), rep(3, salesforce_user_id=sf_id(3)), rep(4, salesforce_user_id=sf_id(4)))


def test_account_team_members_with_the_enterprise_flag_and_role_filter():
    facts = crm(salesforce=salesforce(account_team=ACCOUNT_TEAM))
    everyone = decide([rule(account_team=True)], {1}, team_reps(), facts, enterprise=True)
    assert everyone.offer_to == (3, 4) and everyone.step == "account_team"
    assert f"account team CSM {sf_id(9)} is not an app user" in everyone.trace
    engineers = decide([rule(account_team=True, account_team_roles={"sales engineer"})], {1},
                       team_reps(), facts, enterprise=True)
    assert engineers.offer_to == (3,)


def test_account_team_is_ignored_without_the_enterprise_flag():
    facts = crm(salesforce=salesforce(account_team=ACCOUNT_TEAM))
    decision = decide([rule(account_team=True, route_to_users=[1])], {1}, team_reps(), facts)
    assert decision.offer_to == (1,)
    assert ("account team routing is an enterprise feature, not switched on: skipped"
            in decision.trace)


def test_account_team_with_no_member_in_the_role():
    facts = crm(salesforce=salesforce(account_team=ACCOUNT_TEAM))
    decision = decide([rule(account_team=True, account_team_roles={"Partner"},
                            fallback_users=[1])], {1}, team_reps(), facts, enterprise=True)
    assert "Salesforce account team: no member with role Partner" in decision.trace
    assert decision.step == "fallback"


def test_account_team_comes_after_an_unavailable_owner():
    facts = crm(salesforce=salesforce(record_type="Contact", owner_user_id=sf_id(4),
                                      account_team=ACCOUNT_TEAM[:1]))
    reps = team(rep(3, salesforce_user_id=sf_id(3)),
                rep(4, salesforce_user_id=sf_id(4), availability="offline"))
    decision = decide([rule(salesforce_owner=True, account_team=True)], {1}, reps, facts,
                      enterprise=True)
    assert decision.offer_to == (3,)
    assert "Salesforce Contact owner Di Prince is offline" in decision.trace


# --- owner first, then route to, then fallback ------------------------------------------

def test_an_eligible_owner_gets_the_visitor_alone():
    facts = crm(salesforce=salesforce(record_type="Lead", owner_user_id=sf_id(2)))
    reps = team(rep(1, groups=[EMEA]), rep(2, salesforce_user_id=sf_id(2)), rep(3, groups=[EMEA]))
    decision = decide([rule(salesforce_owner=True, route_to_groups=[EMEA])], {1}, reps, facts)
    assert decision.offer_to == (2,) == decision.candidates


@pytest.mark.parametrize(("fields", "why"), [
    ({"availability": "away"}, "is away"),
    ({"availability": "offline"}, "is offline"),
    ({"is_chat_user": False}, "is not a chat user"),
    ({"active": False}, "is deactivated"),
    ({"in_working_hours": False}, "is outside working hours"),
    ({"open_chats": 3, "max_chats": 3}, "is at their chat limit (3/3)"),
])
def test_ineligible_owner_is_skipped_with_the_reason(fields, why):
    facts = crm(salesforce=salesforce(record_type="Contact", owner_user_id=sf_id(2)))
    reps = team(rep(1, groups=[EMEA]), rep(2, salesforce_user_id=sf_id(2), **fields))
    decision = decide([rule(salesforce_owner=True, route_to_groups=[EMEA],
                            group_names={EMEA: "EMEA"})], {1}, reps, facts)
    assert f"Salesforce Contact owner Bob Baker {why}" in decision.trace
    assert decision.offer_to == (1,)
    assert decision.trace[-1] == "route to group EMEA → Ann Lee"


def test_route_to_group_skips_ineligible_members_in_one_line_then_fallback():
    reps = team(rep(1, groups=[EMEA], availability="away"),
                rep(2, groups=[EMEA], availability="away"),
                rep(3, groups=[EMEA], open_chats=2, max_chats=2),
                rep(4, groups=[EMEA], in_working_hours=False),
                rep(5))
    decision = decide([rule(route_to_groups=[EMEA], fallback_users=[5],
                            group_names={EMEA: "EMEA"})], {1}, reps)
    assert decision.trace[1:] == (
        "route to group EMEA: skipped Ann Lee, Bob Baker (away), Cy Young (at their chat limit), "
        "Di Prince (outside working hours)",
        "fallback Ed Stone → Ed Stone",
    )
    assert decision.step == "fallback" and decision.offer_to == (5,)


def test_route_to_users_then_groups_deduplicated():
    reps = team(rep(1, groups=[EMEA]), rep(2, groups=[EMEA]), rep(3), rep(4, groups=[EMEA]))
    decision = decide([rule(route_to_users=[3, 2], route_to_groups=[EMEA])], {1}, reps)
    assert decision.candidates == (3, 2, 1, 4)
    assert decision.trace[-1] == (
        "route to Cy Young, Bob Baker, group #7 → Cy Young, Bob Baker, Ann Lee, Di Prince "
        "(first available)"
    )


def test_route_to_all_users_leaves_out_non_chat_users_and_deactivated_users():
    reps = team(rep(1, is_chat_user=False), rep(2, active=False), rep(3), rep(4))
    decision = decide([rule(route_to_all=True)], {1}, reps)
    assert decision.candidates == (3, 4)
    assert decision.trace[-1] == "route to all users → Cy Young, Di Prince (first available)"


def test_long_name_lists_are_shortened_in_the_trace():
    reps = [rep(i) for i in range(1, 13)]
    decision = decide([rule(route_to_all=True)], {1}, reps)
    assert len(decision.offer_to) == 12
    assert decision.trace[-1].endswith("and 7 more (first available)")


def test_empty_group_says_nobody_to_route_to():
    decision = decide([rule(route_to_groups=[EMEA], group_names={EMEA: "EMEA"})], {1},
                      team(rep(1)))
    assert "route to group EMEA: nobody to route to" in decision.trace


# --- distribution ------------------------------------------------------------------------

def test_first_available_offers_every_eligible_rep_of_the_first_productive_step():
    facts = crm(outreach=outreach(sender="ann@x.com", owner="bob@x.com"))
    reps = team(rep(1), rep(2, availability="away"), rep(3, groups=[EMEA]))
    decision = decide([rule(outreach_mode="both", route_to_groups=[EMEA])], {1}, reps, facts)
    assert decision.mode == "first_available"
    assert decision.offer_to == decision.candidates == (1,)
    assert decision.offer_timeout_seconds == 30  # an inbound request runs out in any mode


def test_balanced_picks_fewest_open_chats_then_longest_wait_then_id():
    from datetime import datetime

    early, late = datetime(2026, 1, 1, 9), datetime(2026, 1, 1, 10)
    reps = team(rep(1, open_chats=1), rep(2, open_chats=0, last_assigned_at=late),
                rep(3, open_chats=0, last_assigned_at=early), rep(4, open_chats=2),
                rep(5, open_chats=0, last_assigned_at=early))
    decision = decide([rule(route_to_all=True, distribution="balanced")], {1}, reps)
    assert decision.offer_to == (3,)
    assert decision.candidates == (3, 5, 2, 1, 4)
    assert decision.trace[-1] == "route to all users → Cy Young (balanced: 0 open chats)"
    never = decide([rule(route_to_all=True, distribution="balanced")], {1},
                   reps + [rep(6, open_chats=0)])
    assert never.offer_to == (6,)


def test_balanced_counts_open_chats_not_capacity_left():
    reps = team(rep(1, open_chats=2, max_chats=10), rep(2, open_chats=1, max_chats=2))
    decision = decide([rule(route_to_all=True, distribution="balanced")], {1}, reps)
    assert decision.offer_to == (2,)


def test_round_robin_offers_the_next_eligible_rep_after_the_pointer():
    reps = team(rep(1), rep(2, availability="away"), rep(3), rep(4))
    rr = rule(route_to_all=True, distribution="round_robin", offer_timeout_seconds=45)
    decision = decide([rr], {1}, reps, rotation={1: 1})
    assert decision.offer_to == (3,)  # 2 is away
    assert decision.candidates == (3, 4, 1)
    assert decision.offer_timeout_seconds == 45
    assert decide([rr], {1}, reps, rotation={1: 4}).offer_to == (1,)
    assert decide([rr], {1}, reps).offer_to == (1,)
    assert decide([rr], {1}, reps, rotation={99: 3}).offer_to == (1,)


# --- exclusions, and when nobody is eligible ---------------------------------------------

def test_reps_who_declined_or_timed_out_are_not_offered_again():
    rr = rule(route_to_all=True, distribution="round_robin")
    reps = team(rep(1), rep(2), rep(3))
    decision = decide([rr], {1}, reps, rotation={1: 1}, excluded={2})
    assert decision.offer_to == (3,) and 2 not in decision.candidates


def test_owner_who_declined_falls_through_to_route_to():
    facts = crm(salesforce=salesforce(record_type="Contact", owner_user_id=sf_id(2)))
    reps = team(rep(1), rep(2, salesforce_user_id=sf_id(2)))
    decision = decide([rule(salesforce_owner=True, route_to_users=[1])], {1}, reps, facts,
                      excluded={2})
    assert decision.offer_to == (1,)
    assert ("Salesforce Contact owner Bob Baker already declined or missed this visitor"
            in decision.trace)


@pytest.mark.parametrize("mode", ["round_robin", "balanced"])
def test_when_everyone_offered_in_turn_declined_or_timed_out_the_visitor_gets_the_booker(
        mode):
    decision = decide([rule(route_to_all=True, when_nobody="queue", distribution=mode)], {1},
                      team(rep(1), rep(2), rep(3, availability="away")), excluded={1, 2})
    assert decision.outcome == "meeting_booker" and decision.offer_to == ()
    assert decision.trace[-1] == (
        "everyone eligible already declined or missed this visitor → meeting booker"
    )


@pytest.mark.parametrize("when_nobody, outcome, last", [
    ("queue", "queue", "waiting in the queue for the next free rep"),
    ("meeting_booker", "meeting_booker", "meeting booker"),
])
def test_first_available_everyone_declined_or_timed_out_goes_as_the_rule_says(
        when_nobody, outcome, last):
    decision = decide([rule(route_to_all=True, when_nobody=when_nobody)], {1},
                      team(rep(1), rep(2), rep(3, availability="away")), excluded={1, 2})
    assert decision.outcome == outcome and decision.offer_to == ()
    assert decision.trace[-1] == (
        f"everyone alerted declined or let the request run out → {last}")


def test_inbound_with_nobody_eligible_waits_in_the_queue_or_gets_the_booker():
    reps = team(rep(1, availability="away"))
    queued = decide([rule(route_to_all=True, when_nobody="queue")], {1}, reps)
    assert queued.outcome == "queue"
    assert queued.trace[-1] == "nobody eligible → waiting in the queue for the next free rep"
    booker = decide([rule(route_to_all=True, when_nobody="meeting_booker")], {1}, reps)
    assert booker.outcome == "meeting_booker"


def test_pounce_with_nobody_eligible_is_offered_to_nobody():
    decision = decide([rule(route_to_all=True, when_nobody="meeting_booker")], {1},
                      team(rep(1, availability="offline")), trigger="pounce")
    assert decision.outcome == "none" and decision.rule_id == 1
    assert decision.trace[-1] == "nobody eligible: not offered for pounce"


def test_unknown_trigger_is_refused():
    with pytest.raises(ValueError, match="trigger"):
        decide([rule(route_to_all=True)], {1}, team(rep(1)), trigger="email")


def test_decision_serialises_for_storage():
    decision = decide([rule(route_to_all=True, distribution="round_robin")], {1}, team(rep(1)))
    data = json.loads(json.dumps(decision.to_dict()))
    assert data["offer_to"] == [1] and data["mode"] == "round_robin"
    assert data["summary"] == "; ".join(data["trace"])
    assert data["offer_timeout_seconds"] == 30


def test_fallback_groups_are_used_when_route_to_finds_nobody():
    reps = team(rep(1, availability="away"), rep(2, groups=[3]), rep(3, groups=[3]))
    decision = decide([rule(route_to_users=[1], fallback_groups=[3], group_names={3: "Night"})],
                      {1}, reps)
    assert decision.step == "fallback" and decision.offer_to == (2, 3)
    assert decision.trace[1:] == (
        "route to Ann Lee: skipped Ann Lee (away)",
        "fallback group Night → Bob Baker, Cy Young (first available)",
    )


def test_sender_and_owner_both_eligible_share_by_the_rules_distribution():
    facts = crm(outreach=outreach(sender="ann@x.com", owner="bob@x.com"))
    reps = team(rep(1, open_chats=2), rep(2, open_chats=1))
    decision = decide([rule(outreach_mode="both", distribution="balanced")], {1}, reps, facts)
    assert decision.offer_to == (2,) and decision.candidates == (2, 1)
    assert decision.trace[-1] == (
        "Outreach sender ann@x.com and Outreach prospect owner bob@x.com are available "
        "→ Bob Baker (balanced: 1 open chat)"
    )


def test_a_rep_offline_because_their_board_closed_is_explained_so():
    facts = crm(salesforce=salesforce(record_type="Contact", owner_user_id=sf_id(2)))
    reps = team(rep(1, groups=[EMEA]),
                rep(2, salesforce_user_id=sf_id(2), availability="offline", board_closed=True))
    decision = decide([rule(salesforce_owner=True, route_to_groups=[EMEA],
                            group_names={EMEA: "EMEA"})], {1}, reps, facts)
    assert "Salesforce Contact owner Bob Baker is offline (board closed)" in decision.trace


# --- what reports record -------------------------------------------------------------------

def test_the_decision_names_the_reps_it_skipped_and_why_and_the_crm_owners():
    facts = crm(salesforce=salesforce(record_type="Contact", owner_user_id=sf_id(2)))
    reps = team(rep(1, groups=[EMEA], availability="away"),
                rep(2, salesforce_user_id=sf_id(2), open_chats=3, max_chats=3),
                rep(3, groups=[EMEA], in_working_hours=False), rep(4, groups=[EMEA]))
    decision = decide([rule(salesforce_owner=True, route_to_groups=[EMEA])], {1}, reps, facts)
    assert decision.offer_to == (4,) and decision.owners == (2,)
    assert set(decision.skipped) == {(2, "at their chat limit"), (1, "away"),
                                     (3, "outside working hours")}
    again = RoutingDecision.from_dict(json.loads(json.dumps(decision.to_dict())))
    assert (again.skipped, again.owners) == (decision.skipped, decision.owners)


def test_no_owner_known_when_salesforce_names_nobody_who_is_a_user():
    facts = crm(salesforce=salesforce(record_type="Lead", owner_user_id=sf_id(9)))
    decision = decide([rule(salesforce_owner=True, route_to_users=[1])], {1}, team(rep(1)), facts)
    assert decision.owners == () and decision.skipped == ()
