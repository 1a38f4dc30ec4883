"""Reports (issue 19): the figures of the Reports page, computed from the stored history
(routing decisions, skips, offers, visitor hours) and the conversations, messages and
meetings, narrowed by the filters and scoped to the rep for a rep viewer.

    filters        Filters, parse_filters: URL arguments checked (BadFilter, NotAllowed)
    days           pure: local days of a time zone in UTC, folding hours, percentiles
    scope          filters as SQL: the UTC window, a local-day expression per backend
    where          the filters as WHERE conditions on each table read
    tables         Table (one figure: columns, rows, how to draw it) and SECTIONS
    visitors       visitors per day and stream, identified share, companies, targets
    routing        decisions per rule and outcome, skip reasons, owner share
    reps           per rep and per group: offers, accept times, chats, messages, meetings
    accept_times   time to accept p50/p90 per rep and per group, ranked in the database
    conversations  pounce vs inbound, chats per day, first response, chats to meetings
    filter_choices the filter form's options for a viewer (sites, streams, rules, reps, groups)
    rollup         the daily rollups per zone: counting a day's rows again (or its groups')
    rollup_runs    the rollup job's run: its zones, and which days of each it builds
    from_rollups   the sections from the rollups when the range is built (the same figures)
    stale          the days a late write (an old chat's meeting, an erasure) unbuilds
"""

from __future__ import annotations

from collections.abc import Callable

from liveapp.services.reports import conversations, from_rollups, reps, routing, visitors
from liveapp.services.reports.filters import BadFilter, Filters, NotAllowed, parse_filters
from liveapp.services.reports.tables import SECTIONS, Table

__all__ = ["SECTIONS", "BadFilter", "Filters", "NotAllowed", "Table", "parse_filters",
           "live", "report", "table", "TABLES"]

# key -> the function computing that table, in page order within each section
_BUILDERS: dict[str, dict[str, Callable[[Filters], Table]]] = {
    "visitors": visitors.TABLES, "routing": routing.TABLES, "reps": reps.TABLES,
    "conversations": conversations.TABLES,
}
_MODULES = {"visitors": visitors, "routing": routing, "reps": reps,
            "conversations": conversations}
TABLES: dict[str, str] = {key: section for section, tables in _BUILDERS.items()
                          for key in tables}  # table key -> its section


def report(section: str, filters: Filters) -> list[Table]:
    """One section's tables, in page order: from the daily rollups when they cover the
    range and the filters, else from the history itself (the same figures, slower)."""
    if section not in _BUILDERS:
        raise KeyError(f"no report section {section!r}")
    if from_rollups.usable(section, filters):
        return from_rollups.section(section, filters)
    return live(section, filters)


def live(section: str, filters: Filters) -> list[Table]:
    """One section's tables computed from the history (never the rollups)."""
    module = _MODULES[section]
    if hasattr(module, "section"):  # it reads what several tables share once
        return module.section(filters)
    return [build(filters) for build in _BUILDERS[section].values()]


def table(key: str, filters: Filters) -> Table:
    """One table by its key (for its CSV); KeyError for an unknown key."""
    section = TABLES[key]
    if from_rollups.usable(section, filters):
        return next(t for t in from_rollups.section(section, filters) if t.key == key)
    return _BUILDERS[section][key](filters)
