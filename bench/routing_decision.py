"""Pure routing decisions per second: 10 rules x 50 reps, no app, no Redis, no database.

    .venv/bin/python bench/routing_decision.py [--seconds 2]

Visitors cycle through realistic cases: an Outreach sender who is available, a
Salesforce Contact owner who is away (falls through to a group), a CRM that is down,
round robin and balanced rules over all users, and a rule that finds nobody. Each
case matches a rule low in the list, so every decision ranks all 10 rules.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime, timedelta

from liveapp.domain.routing import (
    CrmFacts,
    EngagementFacts,
    Rep,
    RoutingRule,
    SalesforceFacts,
    decide,
)
from liveapp.domain.salesforce_ids import canonical

N_REPS, N_RULES, N_GROUPS = 50, 10, 5


def make_reps() -> list[Rep]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return [
        Rep(
            id=i, name=f"Rep {i}", email=f"rep{i}@example.com",
            availability=("available", "available", "available", "away", "offline")[i % 5],
            is_chat_user=i % 11 != 0, open_chats=i % 4, max_chats=3,
            in_working_hours=i % 13 != 0, salesforce_user_id=canonical(f"005{i:012d}"),
            last_assigned_at=start + timedelta(minutes=i * 7 % 50) if i % 3 else None,
            group_ids=frozenset({i % N_GROUPS}),
        )
        for i in range(1, N_REPS + 1)
    ]


def make_rules() -> list[RoutingRule]:
    distributions = ("first_available", "round_robin", "balanced")
    return [
        RoutingRule(
            id=i, name=f"Rule {i}", position=i,
            outreach_mode=("sender", "owner", "both", None)[i % 4],
            salesforce_owner=i % 2 == 0, account_team=i % 5 == 0,
            route_to_groups=(i % N_GROUPS,), route_to_all=i % 7 == 0,
            fallback_users=(1, 2), distribution=distributions[i % 3],
            when_nobody=("queue", "meeting_booker")[i % 2],
        )
        for i in range(1, N_RULES + 1)
    ]


CASES: list[tuple[set[int], CrmFacts, dict]] = [
    ({7, 8, 9, 10}, CrmFacts(outreach=EngagementFacts(sender_email="REP2@example.com",
                                                      prospect_owner_email="rep4@example.com")),
     {}),
    ({8, 9, 10}, CrmFacts(salesforce=SalesforceFacts(record_type="Contact",
                                                     owner_user_id="005000000000004")), {}),
    ({9, 10}, CrmFacts(outreach=EngagementFacts.unavailable("HTTP 503"),
                       salesforce=SalesforceFacts.unavailable("rate limited")), {}),
    ({9}, CrmFacts(), {"rotation": {9: 17}}),
    ({10}, CrmFacts(salesforce=SalesforceFacts(account_team=(("005000000000006", "AE"),))),
     {"enterprise": True}),
    ({10}, CrmFacts(), {"excluded": frozenset(range(1, N_REPS + 1)), "trigger": "pounce"}),
]


def run(seconds: float) -> tuple[int, float, float]:
    """Decisions made in `seconds`, with the wall time and this process's CPU time."""
    rules, reps = make_rules(), make_reps()
    count, started, cpu = 0, time.perf_counter(), time.process_time()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        for matched, crm, options in CASES:
            decide(rules, matched, reps, crm, **options)
        count += len(CASES)
    return count, time.perf_counter() - started, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    rules, reps = make_rules(), make_reps()
    for matched, crm, options in CASES:
        print(f"  {decide(rules, matched, reps, crm, **options).summary[:150]}")
    count, elapsed, cpu = run(args.seconds)
    # CPU time too: on a shared machine the wall-clock rate depends on the neighbours.
    print(f"{N_RULES} rules x {N_REPS} reps: {count} decisions in {elapsed:.2f}s = "
          f"{count / elapsed:,.0f} decisions/s wall, {count / cpu:,.0f} per CPU second "
          f"({cpu / count * 1e6:.0f} µs CPU each)")


if __name__ == "__main__":
    main()
