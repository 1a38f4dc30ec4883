"""The report sections read from the daily rollups (models/report_days.py): used when
every day of the range is built for the filters' zone and the filters name only what the
rollups keep (visitors: site, stream, one rep, or one group whose rows were counted from
its members now, or a rule; routing: site, stream, rule; reps and conversations: site,
rep, group, and a stream or a rule).
The figures are the live queries' to the cell: the tables are drawn by the same
functions, from sums of the days' rows."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import Integer, cast, func, select

from liveapp.extensions import db, redis
from liveapp.models.report_days import (
    ANY_STREAM,
    ChatDay,
    ChatFacetDay,
    CompanyDay,
    DecisionDay,
    GroupCompanyDay,
    GroupDayBuilt,
    GroupVisitorDay,
    RepCompanyDay,
    RepDay,
    RepFacetDay,
    RepVisitorDay,
    RuleCompanyDay,
    RuleVisitorDay,
    SkipDay,
    VisitorDay,
)
from liveapp.models.user import Group, group_members
from liveapp.services.reports import conversations, reps, routing, visitors
from liveapp.services.reports.days import hist_percentile, local_day, merged
from liveapp.services.reports.filters import Filters
from liveapp.services.reports.rollup import GROUP_ROWS_FROM, histogram, members_key
from liveapp.services.reports.rollup_runs import asked_key, built, oldest_history
from liveapp.services.reports.scope import as_date, rep_scope
from liveapp.services.reports.tables import Table

NOTE = "from the daily rollup, up to a minute old"
ASKED_TTL = 7 * 24 * 3600  # a zone the page asked for is kept built this long


def usable(section: str, filters: Filters) -> bool:
    """The rollups answer this section for these filters (asks for the zone if not)."""
    if section == "visitors":
        if filters.rule_id is not None and rep_scope(filters) is not None:
            return False  # a rep's visitors of a rule: no rows keep both
    elif section == "routing":
        if filters.rep_id is not None or filters.group_id is not None:
            return False  # a rep's decisions: those that offered them the visitor
    elif filters.stream_id is not None and filters.rule_id is not None:
        return False  # the facet days keep one of the two
    done = built(filters.tz, filters.start, filters.end)
    if section == "visitors" and filters.group_id is not None:
        scope = rep_scope(filters)
        if (group := _group(filters, scope)) is not None:
            done &= _group_built(filters, group, scope)
    if _all_built(filters, done):
        return True
    redis.client.sadd(asked_key(), filters.tz)
    redis.client.expire(asked_key(), ASKED_TTL)
    return False


def _group(filters: Filters, scope: list[int] | None) -> int | None:
    """The group whose own rows a visitors section reads (`scope`: rep_scope's): a group
    filter of several members and no rep filter (a visitor of two members counts once,
    which rows per rep cannot add up to; a group of one reads its rep's rows)."""
    if filters.group_id is None or filters.rep_id is not None:
        return None
    return filters.group_id if len(scope) >= GROUP_ROWS_FROM else None


def _group_built(filters: Filters, group: int, scope: list[int]) -> set:
    """The days of the range whose rows of `group` were counted from its members now."""
    return set(db.session.scalars(select(GroupDayBuilt.day).where(
        GroupDayBuilt.zone == filters.tz, GroupDayBuilt.group_id == group,
        GroupDayBuilt.day >= filters.start, GroupDayBuilt.day <= filters.end,
        GroupDayBuilt.members == members_key(scope))))


def _all_built(filters: Filters, done: set) -> bool:
    """Every day of the range is built (`done`: the days that are), or has no history to
    build: the days before the oldest history (a new install, the demo's first weeks) are
    empty, not missing."""
    if len(done) == (filters.end - filters.start).days + 1:
        return True
    oldest = oldest_history()
    if oldest is None:
        return True  # nothing recorded yet: every figure is 0
    first = max(filters.start, local_day(oldest, filters.tz))
    return first > filters.end or len({d for d in done if d >= first}) == (
        filters.end - first).days + 1


def section(name: str, filters: Filters) -> list[Table]:
    tables = _SECTIONS[name](filters)
    return [replace(t, note=f"{t.note}; {NOTE}" if t.note else NOTE.capitalize())
            for t in tables]


def _where(model, filters: Filters) -> list:
    where = [model.zone == filters.tz, model.day >= filters.start, model.day <= filters.end]
    if filters.site_id is not None:
        where.append(model.site_id == filters.site_id)
    return where


def _visitors(filters: Filters) -> list[Table]:
    """From the visitor and company days, a rep's (RepVisitorDay, RepCompanyDay) or a
    group's (GroupVisitorDay, GroupCompanyDay)."""
    days, companies, whose = _whose(filters)
    stream = ANY_STREAM if filters.stream_id is None else filters.stream_id
    where = _where(days, filters) + whose(days)
    per_day = {as_date(d): (int(n), int(i)) for d, n, i in db.session.execute(
        select(days.day, func.sum(days.visitors), func.sum(days.identified))
        .where(*where, days.stream_id == stream).group_by(days.day))}
    streams = [days.stream_id >= 0] if filters.stream_id is None else [
        days.stream_id == filters.stream_id]
    per_stream = {(as_date(d), s): int(n) for d, s, n in db.session.execute(
        select(days.day, days.stream_id, func.sum(days.visitors))
        .where(*where, *streams).group_by(days.day, days.stream_id))}
    found = _companies(filters, companies, stream, whose(companies))
    day_table = visitors.visitors_per_day(filters, per_day)
    return [day_table, visitors.visitors_per_stream(filters, per_stream),
            visitors.identified_share(filters, day_table),
            visitors.top_companies(filters, found),
            visitors.target_accounts(filters, found)]


def _whose(filters: Filters) -> tuple:
    """(visitor days model, company days model, model -> the conditions keeping the rows
    of the filters' rep, group or rule): everyone's, a rep's (a group of one's), a
    group's or a rule's."""
    if filters.rule_id is not None:
        return RuleVisitorDay, RuleCompanyDay, lambda model: [model.rule_id == filters.rule_id]
    scope = rep_scope(filters)
    if (group := _group(filters, scope)) is not None:
        return GroupVisitorDay, GroupCompanyDay, lambda model: [model.group_id == group]
    if scope is not None:
        return RepVisitorDay, RepCompanyDay, lambda model: [model.rep_id.in_(scope)]
    return VisitorDay, CompanyDay, lambda model: []


def _companies(filters: Filters, model, stream: int, whose: list) -> list[tuple]:
    """whose: the conditions keeping a rep's or a group's rows (none: everyone's)."""
    total = func.sum(model.visitors)
    where = [*_where(model, filters), *whose, model.stream_id == stream]
    found = db.session.execute(
        select(model.company_domain, total, func.max(cast(model.target, Integer)),
               func.min(model.day), func.max(model.day))
        .where(*where).group_by(model.company_domain)
        .order_by(total.desc(), model.company_domain)).all()
    shown = [row[0] for row in found[:visitors.TOP_COMPANIES]]
    shown += [row[0] for row in found if row[2]][:visitors.MAX_TARGETS]
    if not whose:
        # As the live query: a company's name from every site and stream in the range.
        where = [model.zone == filters.tz, model.day >= filters.start,
                 model.day <= filters.end, model.stream_id == ANY_STREAM]
    names = dict(db.session.execute(
        select(model.company_domain, func.max(model.company_name))
        .where(*where, model.company_domain.in_(set(shown)))
        .group_by(model.company_domain)).all())
    return [(domain, names.get(domain), *rest) for domain, *rest in found]


def _routing_where(model, filters: Filters) -> list:
    where = _where(model, filters)
    if filters.stream_id is not None:
        where.append(model.stream_id == filters.stream_id)
    if filters.rule_id is not None:
        where.append(model.rule_id == filters.rule_id)
    return where


def _routing(filters: Filters) -> list[Table]:
    where = _routing_where(DecisionDay, filters)
    keys = (DecisionDay.rule_id, DecisionDay.rule_name, DecisionDay.outcome)
    found, known, routed = [], 0, 0
    for rule_id, name, outcome, n, k, r in db.session.execute(
            select(*keys, func.sum(DecisionDay.decisions), func.sum(DecisionDay.owner_known),
                   func.sum(DecisionDay.owner_routed)).where(*where).group_by(*keys)):
        found.append((rule_id or None, name or None, outcome, int(n)))
        known, routed = known + int(k), routed + int(r)
    total = func.sum(SkipDay.skips)
    skips = [(reason, int(n)) for reason, n in db.session.execute(
        select(SkipDay.reason, total).where(*_routing_where(SkipDay, filters))
        .group_by(SkipDay.reason).order_by(total.desc(), SkipDay.reason)
        .limit(routing.TOP_REASONS))]
    return [routing.decisions_per_rule(filters, found),
            routing.decisions_per_outcome(filters, found), routing.skip_table(skips),
            routing.owner_table(known, routed)]


_REP_COUNTS = {"offers": "offers", "accepted": "accepts", "declined": "declines",
               "timeout": "timeouts", "chats": "chats", "messages": "messages",
               "meetings": "meetings"}


def _faceted(filters: Filters, model, facet_model) -> tuple:
    """(model, the conditions keeping the filters' rows): a stream or rule filter reads
    the facet days (RepFacetDay, ChatFacetDay)."""
    where = []
    for name in ("stream", "rule"):
        if (facet_id := getattr(filters, f"{name}_id")) is not None:
            model = facet_model
            where += [model.facet == name, model.facet_id == facet_id]
    where += _where(model, filters)
    if (scope := rep_scope(filters)) is not None:
        where.append(model.rep_id.in_(scope))
    return model, where


def _reps(filters: Filters) -> list[Table]:
    scope = rep_scope(filters)
    days, where = _faceted(filters, RepDay, RepFacetDay)
    found: dict[int, reps.Tally] = {}
    sums = [func.sum(getattr(days, column)) for column in _REP_COUNTS.values()]
    for rep_id, *counts in db.session.execute(
            select(days.rep_id, *sums).where(*where).group_by(days.rep_id)):
        found[rep_id] = reps.Tally(counts=dict(zip(_REP_COUNTS, map(int, counts),
                                                   strict=True)))
    pooled: dict[int, dict[int, int]] = {}
    for rep_id, text in db.session.execute(  # only the days with an accept
            select(days.rep_id, days.accept_seconds).where(*where, days.accepts > 0)):
        add_to(pooled.setdefault(rep_id, {}), histogram(text))
    for rep_id, hist in pooled.items():
        found[rep_id].accept = _percentiles(hist)
    for rep_id in scope or []:
        found.setdefault(rep_id, reps.Tally())
    members = select(Group.id, group_members.c.user_id).join(
        group_members, group_members.c.group_id == Group.id)
    if filters.group_id is not None:
        members = members.where(Group.id == filters.group_id)
    per_group: dict[int, list[dict[int, int]]] = {}
    for group_id, rep_id in db.session.execute(members):
        if rep_id in pooled and (scope is None or rep_id in scope):
            per_group.setdefault(group_id, []).append(pooled[rep_id])
    accept = {group_id: _percentiles(merged(parts)) for group_id, parts in per_group.items()}
    return [reps.per_rep(filters, found), reps.per_group(filters, found, accept)]


def add_to(total: dict[int, int], hist: dict[int, int]) -> None:
    for value, count in hist.items():
        total[value] = total.get(value, 0) + count


def _percentiles(hist: dict[int, int]) -> reps.Percentiles:
    return hist_percentile(hist, 50), hist_percentile(hist, 90)


def _conversations(filters: Filters) -> list[Table]:
    days, where = _faceted(filters, ChatDay, ChatFacetDay)
    per_origin: dict[str, int] = {}
    per_day: dict[tuple, int] = {}
    with_meeting: dict[str, int] = {}
    for day, origin, chats, met in db.session.execute(
            select(days.day, days.origin, func.sum(days.chats),
                   func.sum(days.with_meeting)).where(*where)
            .group_by(days.day, days.origin)):
        per_origin[origin] = per_origin.get(origin, 0) + int(chats)
        per_day[(as_date(day), origin)] = int(chats)
        with_meeting[origin] = with_meeting.get(origin, 0) + int(met)
    response: dict[str, dict[int, int]] = {origin: {} for origin in conversations.ORIGINS}
    for origin, text in db.session.execute(  # only the rows with a chat answered
            select(days.origin, days.response_seconds).where(*where, days.answered > 0)):
        add_to(response.setdefault(origin, {}), histogram(text))
    origins = conversations.pounce_vs_inbound(filters, per_origin)
    return [origins, conversations.chats_per_day(filters, per_day),
            conversations.first_response(filters, response),
            conversations.chats_with_meeting(filters, origins, with_meeting)]


_SECTIONS = {"visitors": _visitors, "routing": _routing, "reps": _reps,
             "conversations": _conversations}
