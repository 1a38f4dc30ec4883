"""What happened, kept for reports: each routing decision (with the reps it skipped and
why), each offer to a rep and how it ended, and which visitors were on a site in each hour
(with the stream they were in then).

The board's Redis state is live state and expires; these rows are the history. They name
the visitor, so erasure deletes them with the visitor (ON DELETE CASCADE) and retention
ages them out with the page views.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from liveapp.extensions import db

# Where a routing decision sent the visitor, in the words of the reports:
# owner: a CRM owner (Salesforce owner or account team); last_chat: the rep they last
# chatted with; sender: the rep whose Outreach/Salesloft email brought them; group: the
# rule's named reps and groups (or its fallback); queue: waiting for the next free rep;
# booker: shown the meeting booker; nobody: no rep (a pounce found none, or no rule matched).
OUTCOMES = ("owner", "last_chat", "sender", "group", "queue", "booker", "nobody")
# How the reports name them.
OUTCOME_LABELS = {"owner": "CRM owner", "last_chat": "Last chatted rep",
                  "sender": "Email sender", "group": "Rule's reps", "queue": "Queue",
                  "booker": "Meeting booker", "nobody": "Nobody"}

# How an offer to one rep ended. open: not answered yet; taken: another rep accepted
# first (First Available); withdrawn: the visitor left or routing moved them elsewhere.
OFFER_OUTCOMES = ("open", "accepted", "declined", "timeout", "taken", "withdrawn")

_ID = BigInteger().with_variant(Integer, "sqlite")


class RoutingRecord(db.Model):
    """One routing decision, as it was made (rule and stream names may change later)."""

    __tablename__ = "routing_decisions"
    # Reports read a time window and group it: the index carries what they read (0024).
    __table_args__ = (Index("ix_routing_decisions_report", "decided_at", "rule_id", "outcome",
                            "site_id", "stream_id", "owner_known", "owner_routed",
                            "visitor_id"),
                      Index("ix_routing_decisions_rule", "rule_id", "rule_name", "outcome",
                            "decided_at", "site_id", "stream_id"),
                      # a rule filter on chats: the rule routed the visitor that day (0029)
                      Index("ix_routing_decisions_visitor", "visitor_id", "decided_at",
                            "rule_id"))

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    decided_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)  # naive UTC
    visitor_id: Mapped[str] = mapped_column(
        ForeignKey("visitors.id", ondelete="CASCADE"), nullable=False, index=True)
    site_id: Mapped[int] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), nullable=False)
    stream_id: Mapped[int | None] = mapped_column(
        ForeignKey("streams.id", ondelete="SET NULL"))  # the visitor's stream then
    trigger: Mapped[str] = mapped_column(String(20), nullable=False)  # inbound, pounce, ...
    rule_id: Mapped[int | None] = mapped_column(
        ForeignKey("routing_rules.id", ondelete="SET NULL"))
    rule_name: Mapped[str | None] = mapped_column(String(120))  # as named at the time
    outcome: Mapped[str] = mapped_column(String(12), nullable=False)  # one of OUTCOMES
    step: Mapped[str | None] = mapped_column(String(20))  # the routing step (StepKind)
    mode: Mapped[str | None] = mapped_column(String(20))  # the distribution
    # A CRM owner was known for the visitor, and the decision offered them to that owner.
    owner_known: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    owner_routed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    def __repr__(self) -> str:
        return f"<RoutingRecord {self.id} {self.outcome}>"


class RoutingSkip(db.Model):
    """A rep a decision passed over, and why ("away", "outside working hours", ...)."""

    __tablename__ = "routing_skips"
    __table_args__ = (Index("ix_routing_skips_decided_at", "decided_at"),
                      Index("ix_routing_skips_reason", "reason", "decided_at", "rep_id",
                            "decision_id"))

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    decision_id: Mapped[int] = mapped_column(
        ForeignKey("routing_decisions.id", ondelete="CASCADE"), nullable=False, index=True)
    decided_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)  # the decision's
    rep_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(80), nullable=False)  # Skip.short


class Offer(db.Model):
    """A visitor offered to one rep (a First Available offer is one row per rep, all with
    the same offer_key) and how it ended."""

    __tablename__ = "offers"
    __table_args__ = (
        Index("uq_offers_key_rep", "offer_key", "rep_id", unique=True),
        Index("ix_offers_report", "offered_at", "rep_id", "outcome", "decision_id",
              "answered_at"),
        Index("ix_offers_rep_id_offered_at", "rep_id", "offered_at"),
        Index("ix_offers_rep_outcome", "rep_id", "outcome", "offered_at", "answered_at",
              "decision_id"),
    )

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    offer_key: Mapped[str] = mapped_column(String(40), nullable=False)  # the router's offer id
    decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("routing_decisions.id", ondelete="SET NULL"))
    visitor_id: Mapped[str] = mapped_column(
        ForeignKey("visitors.id", ondelete="CASCADE"), nullable=False, index=True)
    rep_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    trigger: Mapped[str] = mapped_column(String(20), nullable=False)
    offered_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    outcome: Mapped[str] = mapped_column(String(10), nullable=False, default="open")


class VisitorHour(db.Model):
    """A visitor seen on a site in one UTC hour, in one stream (0: in none).

    One row per visitor, hour and stream, written by the event pipeline on the first page
    view or heartbeat of the hour: far fewer rows than page views, and hours (not days) so
    that a report can cut days in any whole-hour time zone.
    """

    __tablename__ = "visitor_hours"
    __table_args__ = (
        Index("uq_visitor_hours_visitor_hour_stream", "visitor_id", "hour", "stream_id",
              unique=True),
        Index("ix_visitor_hours_report", "hour", "site_id", "stream_id", "identified",
              "visitor_id"),
        Index("ix_visitor_hours_company", "hour", "company_domain", "target", "visitor_id",
              "site_id", "stream_id"),
        # a rep's or a rule's listed visitors (reports/where.py): migration 0026
        Index("ix_visitor_hours_visitor", "visitor_id", "hour", "stream_id", "site_id",
              "identified", "target", "company_domain"),
    )

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    hour: Mapped[datetime] = mapped_column(DateTime, nullable=False)  # naive UTC, :00:00
    site_id: Mapped[int] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), nullable=False)
    visitor_id: Mapped[str] = mapped_column(
        ForeignKey("visitors.id", ondelete="CASCADE"), nullable=False)
    # No foreign key: a deleted stream's history stays (reported as "a deleted stream").
    stream_id: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    identified: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    target: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)  # ABM
    company_domain: Mapped[str | None] = mapped_column(String(253))
    company_name: Mapped[str | None] = mapped_column(String(200))
