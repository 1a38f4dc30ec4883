"""The reports' daily rollups: the history counted per local day of a time zone, rebuilt
by a job (jobs/reports.py) so that the Reports page reads a few rows per day instead of
every visitor hour, decision and offer.

Every table is keyed by `zone` (an IANA name) and `day` (a date in that zone): distinct
visitors per day cannot be summed from hours, and where a day starts depends on the zone.
The rows hold counts and company domains, nothing about a person; retention ages them out
with the history (services/ops/retention.py). A day is usable when `report_days_built`
has its (zone, day); a group's rows of it, when `report_group_days_built` marks them
counted from the group's members now. A late write about an older day (an erasure, a
meeting booked for an old chat, ...) deletes its rows and marks
(services/reports/stale.py), and the job builds it again.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from liveapp.extensions import db

ANY_STREAM = -1  # visitor and company days: the visitor in any stream (distinct once)


def _keyed(table: str, *columns: str, read: tuple[str, ...] = ()) -> tuple:
    """The unique key (zone, day, ...), and a covering index for the page's read (every
    column it reads, so SQLite sums from the index alone: bench/README.md)."""
    key = (Index(f"uq_{table}_key", "zone", "day", *columns, unique=True),)
    return key + ((Index(f"ix_{table}_read", *read),) if read else ())


class ZoneDay:
    """The key every rollup row starts with: a local day of an IANA time zone."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    zone: Mapped[str] = mapped_column(String(64), nullable=False)
    day: Mapped[date] = mapped_column(Date, nullable=False)


class ReportDayBuilt(ZoneDay, db.Model):
    """A (zone, day) whose rows are built, and when (the page reads built days only)."""

    __tablename__ = "report_days_built"
    __table_args__ = _keyed("report_days_built")

    built_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)  # naive UTC


class VisitorCounts:
    """Distinct visitors of a site in a day, per stream (0: none; -1: in any stream)."""

    site_id: Mapped[int] = mapped_column(Integer, nullable=False)
    stream_id: Mapped[int] = mapped_column(Integer, nullable=False)
    visitors: Mapped[int] = mapped_column(Integer, nullable=False)
    identified: Mapped[int] = mapped_column(Integer, nullable=False)
    target: Mapped[int] = mapped_column(Integer, nullable=False)


class CompanyCounts:
    """Distinct visitors of a company in a day, per site and stream (-1: any)."""

    site_id: Mapped[int] = mapped_column(Integer, nullable=False)
    stream_id: Mapped[int] = mapped_column(Integer, nullable=False)
    company_domain: Mapped[str] = mapped_column(String(253), nullable=False)
    company_name: Mapped[str | None] = mapped_column(String(200))
    target: Mapped[bool] = mapped_column(Boolean, nullable=False)
    visitors: Mapped[int] = mapped_column(Integer, nullable=False)


class VisitorDay(ZoneDay, VisitorCounts, db.Model):
    """Distinct visitors of a site in a day, per stream (0: none; -1: in any stream)."""

    __tablename__ = "report_visitor_days"
    __table_args__ = _keyed("report_visitor_days", "site_id", "stream_id")


class CompanyDay(ZoneDay, CompanyCounts, db.Model):
    """Distinct visitors of a company in a day, per site and stream (-1: any)."""

    __tablename__ = "report_company_days"
    __table_args__ = _keyed("report_company_days", "site_id", "stream_id", "company_domain",
                            read=("zone", "stream_id", "company_domain", "day", "site_id",
                                  "visitors", "target", "company_name"))


class DecisionDay(ZoneDay, db.Model):
    """Routing decisions in a day per site, stream (0: none), rule (0: none, with the
    name recorded) and outcome."""

    __tablename__ = "report_decision_days"
    __table_args__ = _keyed("report_decision_days", "site_id", "stream_id", "rule_id",
                            "rule_name", "outcome",
                            read=("zone", "day", "site_id", "stream_id", "rule_id", "rule_name",
                                  "outcome", "decisions", "owner_known", "owner_routed"))

    site_id: Mapped[int] = mapped_column(Integer, nullable=False)
    stream_id: Mapped[int] = mapped_column(Integer, nullable=False)
    rule_id: Mapped[int] = mapped_column(Integer, nullable=False)
    rule_name: Mapped[str] = mapped_column(String(120), nullable=False)  # "" for none
    outcome: Mapped[str] = mapped_column(String(12), nullable=False)
    decisions: Mapped[int] = mapped_column(Integer, nullable=False)
    owner_known: Mapped[int] = mapped_column(Integer, nullable=False)
    owner_routed: Mapped[int] = mapped_column(Integer, nullable=False)


class SkipDay(ZoneDay, db.Model):
    """Reps skipped in a day per site, stream, rule (their decision's) and reason."""

    __tablename__ = "report_skip_days"
    __table_args__ = _keyed("report_skip_days", "site_id", "stream_id", "rule_id", "reason",
                            read=("zone", "day", "site_id", "stream_id", "rule_id", "reason",
                                  "skips"))

    site_id: Mapped[int] = mapped_column(Integer, nullable=False)
    stream_id: Mapped[int] = mapped_column(Integer, nullable=False)
    rule_id: Mapped[int] = mapped_column(Integer, nullable=False)
    reason: Mapped[str] = mapped_column(String(80), nullable=False)
    skips: Mapped[int] = mapped_column(Integer, nullable=False)


class RepCounts:
    """A rep's day per site: offers and how they ended, chats, messages, meetings, and
    the exact histogram of whole seconds to accept (JSON {"seconds": count})."""

    site_id: Mapped[int] = mapped_column(Integer, nullable=False)  # 0: an offer without decision
    rep_id: Mapped[int] = mapped_column(Integer, nullable=False)
    offers: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    accepts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    declines: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    timeouts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    chats: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    messages: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    meetings: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    accept_seconds: Mapped[str] = mapped_column(Text, nullable=False, default="{}")


class RepDay(ZoneDay, RepCounts, db.Model):
    """A rep's day per site (RepCounts), under no stream or rule filter."""

    __tablename__ = "report_rep_days"
    __table_args__ = _keyed("report_rep_days", "site_id", "rep_id")


class ChatCounts:
    """Chats started in a day per site, rep (0: none) and origin: how many were answered
    (first response measured, its whole seconds as a JSON histogram) and ended in a
    meeting."""

    site_id: Mapped[int] = mapped_column(Integer, nullable=False)
    rep_id: Mapped[int] = mapped_column(Integer, nullable=False)
    origin: Mapped[str] = mapped_column(String(10), nullable=False)
    chats: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    answered: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    with_meeting: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    response_seconds: Mapped[str] = mapped_column(Text, nullable=False, default="{}")


class ChatDay(ZoneDay, ChatCounts, db.Model):
    """Chats started in a day per site, rep and origin (ChatCounts), under no stream or
    rule filter."""

    __tablename__ = "report_chat_days"
    __table_args__ = _keyed("report_chat_days", "site_id", "rep_id", "origin")


FACETS = ("stream", "rule")  # RepFacetDay and ChatFacetDay: which filter a row answers


class RepFacetDay(ZoneDay, RepCounts, db.Model):
    """A rep's day per site under a stream or rule filter (`facet`, `facet_id`): the
    offers of the decisions with that stream or rule, and the chats, messages and
    meetings of visitors who were in the stream (or whom the rule routed) that same
    local day (reports/where.visitor_facts)."""

    __tablename__ = "report_rep_facet_days"
    __table_args__ = _keyed("report_rep_facet_days", "facet", "facet_id", "site_id", "rep_id")

    facet: Mapped[str] = mapped_column(String(6), nullable=False)
    facet_id: Mapped[int] = mapped_column(Integer, nullable=False)


class ChatFacetDay(ZoneDay, ChatCounts, db.Model):
    """Chats started in a day per site, rep and origin under a stream or rule filter:
    the chats of visitors who were in the stream (or whom the rule routed) that local
    day."""

    __tablename__ = "report_chat_facet_days"
    __table_args__ = _keyed("report_chat_facet_days", "facet", "facet_id", "site_id",
                            "rep_id", "origin")

    facet: Mapped[str] = mapped_column(String(6), nullable=False)
    facet_id: Mapped[int] = mapped_column(Integer, nullable=False)


class RepVisitorDay(ZoneDay, VisitorCounts, db.Model):
    """A rep's visitors in a day per site and stream (-1: any): the distinct visitors seen
    that day whom the rep was offered or chatted with that day (reports/where.contacts).
    A group's visitors (a visitor of two members counts once) do not add up from these."""

    __tablename__ = "report_rep_visitor_days"
    __table_args__ = _keyed("report_rep_visitor_days", "rep_id", "site_id", "stream_id",
                            read=("zone", "rep_id", "stream_id", "day", "site_id", "visitors",
                                  "identified"))

    rep_id: Mapped[int] = mapped_column(Integer, nullable=False)


class RepCompanyDay(ZoneDay, CompanyCounts, db.Model):
    """A rep's visitors of a company in a day, per site and stream (-1: any), as
    RepVisitorDay counts them."""

    __tablename__ = "report_rep_company_days"
    __table_args__ = _keyed("report_rep_company_days", "rep_id", "site_id", "stream_id",
                            "company_domain",
                            read=("zone", "rep_id", "stream_id", "company_domain", "day",
                                  "site_id", "visitors", "target", "company_name"))

    rep_id: Mapped[int] = mapped_column(Integer, nullable=False)


class GroupVisitorDay(ZoneDay, VisitorCounts, db.Model):
    """A group's visitors in a day per site and stream (-1: any): the distinct visitors
    seen that day whom a member was offered or chatted with that day, each once however
    many members had them; the members are the group's when the day was built
    (GroupDayBuilt says which)."""

    __tablename__ = "report_group_visitor_days"
    __table_args__ = _keyed("report_group_visitor_days", "group_id", "site_id", "stream_id",
                            read=("zone", "group_id", "stream_id", "day", "site_id", "visitors",
                                  "identified"))

    group_id: Mapped[int] = mapped_column(Integer, nullable=False)


class GroupCompanyDay(ZoneDay, CompanyCounts, db.Model):
    """A group's visitors of a company in a day, per site and stream (-1: any), as
    GroupVisitorDay counts them."""

    __tablename__ = "report_group_company_days"
    __table_args__ = _keyed("report_group_company_days", "group_id", "site_id", "stream_id",
                            "company_domain",
                            read=("zone", "group_id", "stream_id", "company_domain", "day",
                                  "site_id", "visitors", "target", "company_name"))

    group_id: Mapped[int] = mapped_column(Integer, nullable=False)


class GroupDayBuilt(ZoneDay, db.Model):
    """A group's rows of a (zone, day) are built, from these members (`members`: a digest
    of the member ids, rollup.members_key). The page reads a group's rows only for days
    whose digest is that of the group's members now: a change of members leaves the
    group's figures live until the job has rebuilt its days, whatever changed them. (A
    group of one has a mark and no rows: its rep's rows answer for it.)"""

    __tablename__ = "report_group_days_built"
    __table_args__ = _keyed("report_group_days_built", "group_id",
                            read=("zone", "group_id", "day", "members"))

    group_id: Mapped[int] = mapped_column(Integer, nullable=False)
    members: Mapped[str] = mapped_column(String(64), nullable=False)


class RuleVisitorDay(ZoneDay, VisitorCounts, db.Model):
    """A rule's visitors in a day per site and stream (-1: any): the distinct visitors
    seen that day whom the rule routed that day."""

    __tablename__ = "report_rule_visitor_days"
    __table_args__ = _keyed("report_rule_visitor_days", "rule_id", "site_id", "stream_id",
                            read=("zone", "rule_id", "stream_id", "day", "site_id", "visitors",
                                  "identified"))

    rule_id: Mapped[int] = mapped_column(Integer, nullable=False)


class RuleCompanyDay(ZoneDay, CompanyCounts, db.Model):
    """A rule's visitors of a company in a day, per site and stream (-1: any), as
    RuleVisitorDay counts them."""

    __tablename__ = "report_rule_company_days"
    __table_args__ = _keyed("report_rule_company_days", "rule_id", "site_id", "stream_id",
                            "company_domain",
                            read=("zone", "rule_id", "stream_id", "company_domain", "day",
                                  "site_id", "visitors", "target", "company_name"))

    rule_id: Mapped[int] = mapped_column(Integer, nullable=False)


GROUP_ROLLUPS = (GroupVisitorDay, GroupCompanyDay, GroupDayBuilt)  # rebuilt alone too
ROLLUPS = (VisitorDay, CompanyDay, DecisionDay, SkipDay, RepDay, ChatDay, RepVisitorDay,
           RepCompanyDay, RepFacetDay, ChatFacetDay, RuleVisitorDay, RuleCompanyDay,
           *GROUP_ROLLUPS)
