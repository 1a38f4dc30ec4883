"""Routing a visitor again because their CRM (or enrichment) facts arrived or changed:
whether the new decision changes anything, and the line that says why it replaced the
old one. A re-decision that changes nothing is dropped, so the card and history stay put.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from liveapp.domain.routing.decision import RoutingDecision

ONE_REP_MODES = ("round_robin", "balanced")
FOUND = {
    "outreach": "Outreach/Salesloft prospect found",
    "salesforce_owner": "Salesforce owner found",
    "account_team": "Salesforce account team found",
}
OUTCOME_WORDS = {
    "queue": "waiting in the queue", "meeting_booker": "meeting booker",
    "none": "nobody eligible", "no_rule": "no rule matched",
}


def same_outcome(previous: RoutingDecision, new: RoutingDecision,
                 offered_now: Sequence[int]) -> bool:
    """Whether `new` routes the visitor as `previous` does: same outcome, rule and step,
    and the reps offered now (`offered_now`, after any declines) still the ones to offer.

    A visitor shown the meeting booker keeps it unless a rep can be offered now.
    Round Robin and Balanced keep the rep they hold while that rep is still a candidate
    of the same step: re-running them would only move the turn, which is no new fact.
    """
    if previous.outcome == "meeting_booker" and new.outcome != "offer":
        return True  # the visitor has the booker: only a rep who can take them now beats it
    if (previous.outcome, previous.rule_id, previous.step, previous.mode) != \
            (new.outcome, new.rule_id, new.step, new.mode):
        return False
    if new.outcome != "offer":
        return True
    if new.mode in ONE_REP_MODES:
        return bool(offered_now) and offered_now[0] in new.candidates
    return set(offered_now) == set(new.offer_to)


def why_rerouted(previous: RoutingDecision, new: RoutingDecision) -> str:
    """What changed, in the card's words: "Salesforce owner found", "rule 'X' matches now"."""
    if previous.rule_id != new.rule_id:
        return f"rule '{new.rule_name}' matches now" if new.rule_name else \
            "no routing rule matches now"
    if new.step in FOUND and new.step != previous.step:
        return FOUND[new.step]
    return "CRM facts changed"


def rerouted(previous: RoutingDecision, new: RoutingDecision) -> RoutingDecision:
    """`new`, its explanation opened by the line saying it replaced `previous` and why:
    "re-routed: Salesforce owner found → Ann (before: route to group Inbound → Gina)"."""
    line = (f"re-routed: {why_rerouted(previous, new)} → {_target(new)} "
            f"(before: {_target_line(previous)})")
    return replace(new, trace=(line, *new.trace))


def _target(decision: RoutingDecision) -> str:
    last = decision.trace[-1] if decision.trace else ""
    if decision.outcome == "offer" and "→ " in last:
        return last.rsplit("→ ", 1)[1]
    return OUTCOME_WORDS.get(decision.outcome, decision.outcome)


def _target_line(decision: RoutingDecision) -> str:
    return decision.trace[-1] if decision.trace else OUTCOME_WORDS.get(
        decision.outcome, decision.outcome)
