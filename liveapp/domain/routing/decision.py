"""The routing decision: which rule, which reps, in what order, and why."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from liveapp.domain.routing.distribution import balanced_order, rotation_order
from liveapp.domain.routing.eligibility import EXCLUDED_SHORT, Skip, ineligibility
from liveapp.domain.routing.inputs import (
    TRIGGERS,
    CrmFacts,
    Distribution,
    LastChat,
    Rep,
    RoutingRule,
    Trigger,
)
from liveapp.domain.routing.reasons import closed_reason
from liveapp.domain.routing.steps import (
    Directory,
    Step,
    StepKind,
    Trace,
    candidate_steps,
    crm_owners,
)

# offer: offer_to is set. queue: an inbound visitor waits for the next free rep.
# meeting_booker: show the booker. none: a pounce found nobody, so no rep's board gets
# the visitor (admins still see it; the next routing trigger tries again).
# no_rule: no rule's criteria matched.
Outcome = Literal["offer", "queue", "meeting_booker", "none", "no_rule"]
MAX_NAMES = 5


@dataclass(frozen=True)
class RoutingDecision:
    """What to do with one visitor, with the explanation to store beside it."""

    outcome: Outcome
    rule_id: int | None = None
    rule_name: str | None = None
    mode: Distribution | None = None
    step: StepKind | None = None  # the step whose reps are offered
    candidates: tuple[int, ...] = ()  # eligible rep ids, in the order to offer
    offer_to: tuple[int, ...] = ()  # all candidates (first available) or the next one
    offer_timeout_seconds: int | None = None  # the rule's accept timeout, every mode
    trace: tuple[str, ...] = ()
    # Why the offered reps get the visitor, in a few words as they read it: "from your
    # Outreach sequence", "your Salesforce lead", or the rule ("via Target accounts").
    reason: str | None = None
    # Groups the rule named that are outside their business hours, in the trace's words
    # ("Sales EMEA closed (opens Mon 09:00 Europe/Berlin)"), and every rep a step named,
    # eligible or not (who an offline message is for).
    closed: tuple[str, ...] = ()
    named: tuple[int, ...] = ()
    # The reps a step passed over and why (rep id, Skip.short), and the reps the CRM
    # says own the visitor (Salesforce owner, account team), whatever the rule did:
    # recorded for reports.
    skipped: tuple[tuple[int, str], ...] = ()
    owners: tuple[int, ...] = ()

    @property
    def summary(self) -> str:
        """The explanation as one line."""
        return "; ".join(self.trace)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form, for storing with the visitor and passing to jobs."""
        return {
            "outcome": self.outcome, "rule_id": self.rule_id, "rule_name": self.rule_name,
            "mode": self.mode, "step": self.step, "candidates": list(self.candidates),
            "offer_to": list(self.offer_to), "offer_timeout_seconds": self.offer_timeout_seconds,
            "trace": list(self.trace), "summary": self.summary, "reason": self.reason,
            "closed": list(self.closed), "named": list(self.named),
            "skipped": [list(s) for s in self.skipped], "owners": list(self.owners),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RoutingDecision:
        """Back from to_dict() (a stored history entry); unknown keys are ignored."""
        return cls(
            outcome=data.get("outcome") or "none", rule_id=data.get("rule_id"),
            rule_name=data.get("rule_name"), mode=data.get("mode"), step=data.get("step"),
            candidates=tuple(int(i) for i in data.get("candidates") or ()),
            offer_to=tuple(int(i) for i in data.get("offer_to") or ()),
            offer_timeout_seconds=data.get("offer_timeout_seconds"),
            trace=tuple(str(line) for line in data.get("trace") or ()),
            reason=None if data.get("reason") is None else str(data["reason"]),
            closed=tuple(str(c) for c in data.get("closed") or ()),
            named=tuple(int(i) for i in data.get("named") or ()),
            skipped=tuple((int(i), str(why)) for i, why in data.get("skipped") or ()),
            owners=tuple(int(i) for i in data.get("owners") or ()),
        )


def first_matching_rule(
    rules: Iterable[RoutingRule], matched_rule_ids: Collection[int]
) -> RoutingRule | None:
    """The top-ranked rule (lowest position, then id) whose criteria matched."""
    ranked = sorted(rules, key=lambda r: (r.position, r.id))
    return next((r for r in ranked if r.id in matched_rule_ids), None)


def decide(
    rules: Sequence[RoutingRule],
    matched_rule_ids: Collection[int],
    reps: Sequence[Rep],
    crm: CrmFacts | None = None,
    *,
    trigger: Trigger = "inbound",
    excluded: Collection[int] = frozenset(),
    rotation: Mapping[int, int | None] | None = None,
    enterprise: bool = False,
    closed_groups: Mapping[int, str] | None = None,
    last_chat: LastChat | None = None,
) -> RoutingDecision:
    """Route one visitor.

    Args:
        rules: every routing rule; their order is their `position`.
        matched_rule_ids: ids of the rules whose criteria the visitor matches (the caller
            runs the criteria engine, so rules stay plain data).
        reps: every user routing may consider, with their live state.
        crm: the visitor's CRM look-up results (None: nothing connected).
        trigger: "pounce" or "inbound".
        excluded: reps who declined or let an offer for this visitor time out.
        rotation: round robin state, rule id -> id of the rep last given a turn.
        enterprise: the installation's enterprise flag (account team routing).
        closed_groups: groups outside their business hours now, id -> the words the
            explanation gives ("Sales EMEA closed (opens Mon 09:00 Europe/Berlin)"):
            their members are not routed to through them.
        last_chat: the visitor's most recent conversation (None: never chatted), for a
            rule that routes first to the rep who chatted with them last.

    Returns:
        The decision; `offer_to` is empty unless the outcome is "offer".
    """
    if trigger not in TRIGGERS:
        raise ValueError(f"unknown routing trigger {trigger!r}")
    rule = first_matching_rule(rules, matched_rule_ids)
    directory = Directory(reps, closed_groups)
    owners = crm_owners(crm or CrmFacts(), directory, enterprise)
    if rule is None:
        return RoutingDecision(outcome="no_rule", trace=("no routing rule matched",),
                               owners=owners)
    trace = Trace([f"rule '{rule.name}' matched"])
    exhausted = False
    for step in candidate_steps(rule, crm or CrmFacts(), directory, enterprise, trace,
                                last_chat):
        eligible, all_declined = _screen(step, excluded, trace)
        exhausted = exhausted or all_declined
        if eligible:
            pointer = (rotation or {}).get(rule.id)
            decision = _distribute(rule, step, eligible, pointer, trace)
            break
    else:
        decision = _nobody(rule, trigger, exhausted, trace)
    offered = set(decision.offer_to)
    return replace(decision, owners=owners, skipped=tuple(
        (rep_id, why) for rep_id, why in trace.skipped.items() if rep_id not in offered))


def _screen(step: Step, excluded: Collection[int], trace: Trace) -> tuple[list[Rep], bool]:
    """The step's eligible reps; traces each skipped one. The flag says some rep was
    skipped only because they already declined or missed this visitor."""
    eligible: list[Rep] = []
    skipped: list[tuple[str, Skip]] = []
    declined = False
    for candidate in step.candidates:
        why = ineligibility(candidate.rep, excluded)
        if why is None:
            eligible.append(candidate.rep)
            continue
        declined = declined or why.short == EXCLUDED_SHORT
        trace.skipped.setdefault(candidate.rep.id, why.short)
        if step.listed:
            skipped.append((candidate.rep.name, why))
        else:
            trace.add(f"{candidate.label} {why.text}")
    if skipped:
        trace.add(f"{step.label}: skipped {_grouped(skipped)}")
    if not step.candidates and step.listed:
        trace.add(f"{step.label}: nobody to route to")
    return eligible, declined


def _grouped(skipped: list[tuple[str, Skip]]) -> str:
    """"Ann, Bob (away), Cy (at their chat limit)": names grouped by reason, first seen first."""
    by_reason: dict[str, list[str]] = {}
    for name, why in skipped:
        by_reason.setdefault(why.short, []).append(name)
    return ", ".join(f"{_names(names)} ({reason})" for reason, names in by_reason.items())


def _names(names: list[str]) -> str:
    if len(names) <= MAX_NAMES:
        return ", ".join(names)
    return f"{', '.join(names[:MAX_NAMES])} and {len(names) - MAX_NAMES} more"


def _distribute(
    rule: RoutingRule, step: Step, eligible: list[Rep], pointer: int | None, trace: Trace
) -> RoutingDecision:
    ordered, note = _order(rule.distribution, eligible, pointer)
    offer_to = ordered if rule.distribution == "first_available" else ordered[:1]
    arrow = f"→ {_names([r.name for r in offer_to])}{f' ({note})' if note else ''}"
    if step.listed:
        trace.add(f"{step.label} {arrow}")
    else:
        labels = [c.label for c in step.candidates if c.rep in eligible]
        verb = "is" if len(labels) == 1 else "are"
        trace.add(f"{' and '.join(labels)} {verb} available {arrow}")
    return RoutingDecision(
        outcome="offer", rule_id=rule.id, rule_name=rule.name, mode=rule.distribution,
        step=step.kind, candidates=tuple(r.id for r in ordered),
        offer_to=tuple(r.id for r in offer_to),
        offer_timeout_seconds=rule.offer_timeout_seconds,
        trace=tuple(trace.lines), reason=step.reason or f"via {rule.name}",
        closed=tuple(w for _, w in trace.closed), named=tuple(trace.named),
    )


def _order(mode: Distribution, eligible: list[Rep], pointer: int | None) -> tuple[list[Rep], str]:
    if mode == "round_robin":
        by_id = {r.id: r for r in eligible}
        return [by_id[i] for i in rotation_order(by_id, pointer)], "round robin"
    if mode == "balanced":
        ordered = balanced_order(eligible)
        chats = ordered[0].open_chats
        return ordered, f"balanced: {chats} open chat{'' if chats == 1 else 's'}"
    return eligible, "first available" if len(eligible) > 1 else ""


def _nobody(rule: RoutingRule, trigger: Trigger, exhausted: bool, trace: Trace) -> RoutingDecision:
    if trigger == "pounce":
        outcome: Outcome = "none"
        trace.add("nobody eligible: not offered for pounce")
    elif exhausted and rule.distribution != "first_available":
        # Round Robin and Balanced offered everyone in turn: nobody accepted.
        outcome = "meeting_booker"
        trace.add("everyone eligible already declined or missed this visitor → meeting booker")
    elif exhausted:
        # First Available alerted everyone at once: the rule says what happens next.
        outcome = rule.when_nobody if rule.when_nobody == "meeting_booker" else "queue"
        trace.add("everyone alerted declined or let the request run out → " + (
            "meeting booker" if outcome == "meeting_booker"
            else "waiting in the queue for the next free rep"))
    elif rule.when_nobody == "meeting_booker":
        outcome = "meeting_booker"
        trace.add("nobody eligible → meeting booker")
    else:
        outcome = "queue"
        trace.add("nobody eligible → waiting in the queue for the next free rep")
    return RoutingDecision(
        outcome=outcome, rule_id=rule.id, rule_name=rule.name, mode=rule.distribution,
        trace=tuple(trace.lines), reason=closed_reason([n for n, _ in trace.closed]),
        closed=tuple(w for _, w in trace.closed), named=tuple(trace.named),
    )
