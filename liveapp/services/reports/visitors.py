"""The visitors section: visitors per day and per stream, the identified share, top
companies and the target accounts seen, from the visitor hours the pipeline writes."""

from __future__ import annotations

from sqlalchemy import Integer, case, cast, distinct, func, select

from liveapp.extensions import db
from liveapp.models.history import VisitorHour
from liveapp.models.stream import Stream
from liveapp.services.reports import where
from liveapp.services.reports.days import days
from liveapp.services.reports.filters import Filters
from liveapp.services.reports.scope import Window, as_date, local_day
from liveapp.services.reports.tables import Table, share

TOP_COMPANIES = 20
MAX_TARGETS = 200
_VISITORS = func.count(distinct(VisitorHour.visitor_id))
_IDENTIFIED = func.count(distinct(case((VisitorHour.identified, VisitorHour.visitor_id))))


def _note(filters: Filters) -> str:
    return f"Distinct visitors per day in {filters.tz}{whose(filters)}"


def whose(filters: Filters) -> str:
    """What a rep, group or rule filter keeps, for the notes (where.contacts,
    where.routed)."""
    kept = ""
    if filters.rep_id is not None:
        kept = ("; the rep's visitors: a visitor counts on each day the rep was offered "
                "them or chatted with them")
    elif filters.group_id is not None:
        kept = ("; the group's visitors: a visitor counts (once) on each day a member was "
                "offered them or chatted with them")
    if filters.rule_id is not None:
        kept += "; the rule's visitors: a visitor counts on each day the rule routed them"
    return kept


def _hours(filters: Filters, hours: list | None) -> tuple[Window, list]:
    """The window, and which visitor hours it reads (`hours`: worked out already)."""
    window = Window.of(filters)
    return window, where.visitor_hours(filters, window) if hours is None else hours


def visitors_per_day(filters: Filters, found: dict | None = None, *,
                     hours: list | None = None) -> Table:
    """found: day -> (visitors, identified) (None: read the visitor hours, `hours`: the
    conditions where.visitor_hours gives, when a section has them)."""
    if found is None:
        window, hours = _hours(filters, hours)
        day = local_day(VisitorHour.hour, filters, window)
        found = {as_date(d): (n, i) for d, n, i in db.session.execute(
            select(day, _VISITORS, _IDENTIFIED).where(*hours).group_by(day))}
    rows = []
    for d in days(filters.start, filters.end):
        visitors, identified = found.get(d, (0, 0))
        rows.append((d, visitors, identified, share(identified, visitors)))
    return Table("visitors_per_day", "visitors", "Visitors per day",
                 ("Day", "Visitors", "Identified", "Identified %"), rows, "line",
                 series=(1, 2), note=_note(filters))


def visitors_per_stream(filters: Filters, found: dict | None = None, *,
                        hours: list | None = None) -> Table:
    """One column per stream seen (a visitor in two streams counts in both); found:
    (day, stream id) -> visitors."""
    if found is None:
        window, hours = _hours(filters, hours)
        day = local_day(VisitorHour.hour, filters, window)
        found = {(as_date(d), s): n for d, s, n in db.session.execute(
            select(day, VisitorHour.stream_id, _VISITORS).where(*hours)
            .group_by(day, VisitorHour.stream_id))}
    streams = sorted({s for _, s in found})
    names = stream_names(streams)
    rows = [(d, *[found.get((d, s), 0) for s in streams])
            for d in days(filters.start, filters.end)]
    return Table("visitors_per_stream", "visitors", "Visitors per day and stream",
                 ("Day", *[names[s] for s in streams]), rows, "stacked",
                 series=tuple(range(1, len(streams) + 1)),
                 note=_note(filters) + "; a visitor in two streams counts in each")


def stream_names(ids) -> dict[int, str]:
    """Stream id -> name (0: no stream; a deleted stream keeps its history)."""
    known = dict(db.session.execute(select(Stream.id, Stream.name)
                                    .where(Stream.id.in_([i for i in ids if i]))).all())
    return {i: "No stream" if not i else known.get(i, f"Deleted stream {i}") for i in ids}


def identified_share(filters: Filters, per_day: Table | None = None) -> Table:
    """Over the range in visitor-days (the days' distinct visitors added up: what the
    daily rollups can add)."""
    per_day = visitors_per_day(filters) if per_day is None else per_day
    visitors = sum(row[1] for row in per_day.rows)
    identified = sum(row[2] for row in per_day.rows)
    return Table("identified_share", "visitors", "Identified visitor-days over the range",
                 ("Visitor-days", "Identified visitor-days", "Identified %"),
                 [(visitors, identified, share(identified, visitors))], "none",
                 unit="%", note="A visitor-day: a visitor seen on a day (each day counts); "
                 "identified: known by email or CRM in any hour of that day" + whose(filters))


def _companies(filters: Filters, hours: list | None = None) -> list[tuple]:
    """(domain, name, visitor-days, target, first day, last day) of every company seen,
    most visitor-days first."""
    window, hours = _hours(filters, hours)
    day = local_day(VisitorHour.hour, filters, window)
    daily = (select(VisitorHour.company_domain.label("domain"), day.label("day"),
                    _VISITORS.label("visitors"),
                    func.max(cast(VisitorHour.target, Integer)).label("target"))
             .where(*hours, VisitorHour.company_domain.is_not(None))
             .group_by(VisitorHour.company_domain, day).subquery())
    visitor_days = func.sum(daily.c.visitors)
    found = db.session.execute(
        select(daily.c.domain, visitor_days, func.max(daily.c.target), func.min(daily.c.day),
               func.max(daily.c.day))
        .group_by(daily.c.domain).order_by(visitor_days.desc(), daily.c.domain)).all()
    shown = [row[0] for row in found[:TOP_COMPANIES]]
    shown += [row[0] for row in found if row[2]][:MAX_TARGETS]
    # Names apart, for the companies shown: the index the grouping reads (0024) has none.
    names = dict(db.session.execute(
        select(VisitorHour.company_domain, func.max(VisitorHour.company_name))
        .where(*hours, VisitorHour.company_domain.in_(set(shown)))
        .group_by(VisitorHour.company_domain)).all())
    return [(domain, names.get(domain), *rest) for domain, *rest in found]


def top_companies(filters: Filters, found: list[tuple] | None = None) -> Table:
    found = _companies(filters) if found is None else found
    rows = [(name or domain, domain, int(visitors), "yes" if target else "no")
            for domain, name, visitors, target, _, _ in found[:TOP_COMPANIES]]
    return Table("top_companies", "visitors", f"Top {TOP_COMPANIES} companies",
                 ("Company", "Domain", "Visitor-days", "Target account"), rows, "hbar",
                 series=(2,), note="Visitor-days from each company over the range (a "
                 "visitor counts once a day)" + whose(filters))


def target_accounts(filters: Filters, found: list[tuple] | None = None) -> Table:
    found = _companies(filters) if found is None else found
    rows = [(name or domain, domain, int(visitors), as_date(first), as_date(last))
            for domain, name, visitors, target, first, last in found if target][:MAX_TARGETS]
    return Table("target_accounts", "visitors", "Target accounts seen",
                 ("Company", "Domain", "Visitor-days", "First day", "Last day"), rows, "hbar",
                 series=(2,), note=f"Target (ABM) accounts with a visitor, days in {filters.tz}"
                 + whose(filters))


def section(filters: Filters) -> list[Table]:
    """The section's tables, reading the companies once (and which hours, once)."""
    _, hours = _hours(filters, None)
    companies = _companies(filters, hours)
    per_day = visitors_per_day(filters, hours=hours)
    return [per_day, visitors_per_stream(filters, hours=hours),
            identified_share(filters, per_day),
            top_companies(filters, companies), target_accounts(filters, companies)]


TABLES = {"visitors_per_day": visitors_per_day, "visitors_per_stream": visitors_per_stream,
          "identified_share": identified_share, "top_companies": top_companies,
          "target_accounts": target_accounts}
