"""The routing section: decisions per rule and per outcome, the top reasons reps were
skipped, and how often visitors with a known CRM owner were routed to that owner."""

from __future__ import annotations

from sqlalchemy import case, func, select

from liveapp.extensions import db
from liveapp.models.history import OUTCOME_LABELS, OUTCOMES, RoutingRecord, RoutingSkip
from liveapp.models.routing import RoutingRule
from liveapp.services.reports import where
from liveapp.services.reports.filters import Filters
from liveapp.services.reports.scope import Window
from liveapp.services.reports.tables import Table, share

TOP_REASONS = 10
NO_RULE = "No rule matched"


def _per_rule_and_outcome(filters: Filters) -> list[tuple]:
    """(rule id, rule name, outcome, decisions, owner known, routed to owner) per rule as
    recorded and outcome: the decisions and the owner share in one read."""
    window = Window.of(filters)
    known = RoutingRecord.owner_known
    return db.session.execute(
        select(RoutingRecord.rule_id, RoutingRecord.rule_name, RoutingRecord.outcome,
               func.count(), func.count(case((known, 1))),
               func.count(case((known & RoutingRecord.owner_routed, 1))))
        .where(*where.decisions(filters, window))
        .group_by(RoutingRecord.rule_id, RoutingRecord.rule_name, RoutingRecord.outcome)).all()


def _counted(found: list[tuple]) -> list[tuple]:
    """(rule id, rule name, outcome, decisions) of each row of _per_rule_and_outcome."""
    return [tuple(row[:4]) for row in found]


def decisions_per_rule(filters: Filters, found: list[tuple] | None = None) -> Table:
    """One row per rule (named as now, or as recorded for a deleted rule), one column per
    outcome."""
    found = _counted(_per_rule_and_outcome(filters)) if found is None else found
    names = _rule_names({rule_id for rule_id, _, _, _ in found} - {None})
    counts: dict[tuple, dict[str, int]] = {}
    for rule_id, name, outcome, count in found:
        # A rule's current name; a deleted rule's (its id is gone) as recorded.
        label = names.get(rule_id) or name or NO_RULE
        per = counts.setdefault((rule_id, label), {})
        per[outcome] = per.get(outcome, 0) + count
    rows = [(label, *[per.get(o, 0) for o in OUTCOMES], sum(per.values()))
            for (_, label), per in counts.items()]
    rows.sort(key=lambda row: (-row[-1], row[0]))
    return Table("decisions_per_rule", "routing", "Routing decisions per rule",
                 ("Rule", *(OUTCOME_LABELS[o] for o in OUTCOMES), "Total"), rows, "stacked",
                 series=tuple(range(1, len(OUTCOMES) + 1)),
                 note="Outcome: where the decision sent the visitor")


def _rule_names(ids: set[int]) -> dict[int, str]:
    return dict(db.session.execute(
        select(RoutingRule.id, RoutingRule.name).where(RoutingRule.id.in_(ids))).all())


def decisions_per_outcome(filters: Filters, found: list[tuple] | None = None) -> Table:
    found = _counted(_per_rule_and_outcome(filters)) if found is None else found
    totals = dict.fromkeys(OUTCOMES, 0)
    for _, _, outcome, count in found:
        totals[outcome] = totals.get(outcome, 0) + count
    whole = sum(totals.values())
    rows = [(OUTCOME_LABELS.get(outcome, outcome), count, share(count, whole))
            for outcome, count in totals.items()]
    return Table("decisions_per_outcome", "routing", "Routing decisions per outcome",
                 ("Outcome", "Decisions", "Share %"), rows, "bar", series=(1,))


def skip_reasons(filters: Filters) -> Table:
    window = Window.of(filters)
    count = func.count()
    return skip_table([tuple(row) for row in db.session.execute(
        select(RoutingSkip.reason, count).where(*where.skips(filters, window))
        .group_by(RoutingSkip.reason).order_by(count.desc(), RoutingSkip.reason)
        .limit(TOP_REASONS))])


def skip_table(rows: list[tuple]) -> Table:
    """rows: (reason, reps skipped), the TOP_REASONS most first."""
    return Table("skip_reasons", "routing", "Top reasons reps were skipped",
                 ("Reason", "Reps skipped"), rows, "hbar", series=(1,),
                 note="Each rep a decision passed over counts once")


def owner_share(filters: Filters, found: list[tuple] | None = None) -> Table:
    """Decisions for an owner-known visitor that routed them to their owner (counted
    over decisions: the daily rollups add them up); found: _per_rule_and_outcome's."""
    found = _per_rule_and_outcome(filters) if found is None else found
    return owner_table(sum(row[4] for row in found), sum(row[5] for row in found))


def owner_table(known: int, routed: int) -> Table:
    rows = [("Decisions", known, routed, share(routed, known))]
    return Table("owner_share", "routing", "Owner-known visitors routed to their owner",
                 ("Counted over", "Owner known", "Routed to owner", "Share %"), rows, "bar",
                 series=(3,), unit="%",
                 note="Share = routed to their CRM owner / a CRM owner was known")


def section(filters: Filters) -> list[Table]:
    """The section's tables, reading the decisions per rule and outcome (with the owner
    counts) once."""
    found = _per_rule_and_outcome(filters)
    counted = _counted(found)
    return [decisions_per_rule(filters, counted), decisions_per_outcome(filters, counted),
            skip_reasons(filters), owner_share(filters, found)]


TABLES = {"decisions_per_rule": decisions_per_rule,
          "decisions_per_outcome": decisions_per_outcome, "skip_reasons": skip_reasons,
          "owner_share": owner_share}
