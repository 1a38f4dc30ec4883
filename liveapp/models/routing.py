"""Routing rules: ordered, criteria-matched rules that say which reps get a visitor."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Column, DateTime, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from liveapp.extensions import db
from liveapp.models.user import Group, User, utcnow


def _members(name: str, target: str) -> Table:
    """An association table from routing rules to users or groups."""
    column = f"{target[:-1]}_id"
    return Table(
        name,
        db.metadata,
        Column("rule_id", ForeignKey("routing_rules.id", ondelete="CASCADE"), primary_key=True),
        Column(column, ForeignKey(f"{target}.id", ondelete="CASCADE"), primary_key=True),
    )


routing_rule_users = _members("routing_rule_users", "users")
routing_rule_groups = _members("routing_rule_groups", "groups")
routing_rule_fallback_users = _members("routing_rule_fallback_users", "users")
routing_rule_fallback_groups = _members("routing_rule_fallback_groups", "groups")


class RoutingRule(db.Model):
    __tablename__ = "routing_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True, nullable=False)
    # Lower is tried first; a visitor is routed by the first rule it matches.
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # Same format as segments; no conditions with match "all" is a catch-all.
    criteria: Mapped[dict] = mapped_column(JSON, nullable=False)
    outreach_mode: Mapped[str | None] = mapped_column(String(10))  # sender|owner|both
    salesforce_owner: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    account_team: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    account_team_roles: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    route_to_all: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    distribution: Mapped[str] = mapped_column(
        String(20), nullable=False, default="first_available"
    )
    offer_timeout_seconds: Mapped[int] = mapped_column(Integer, nullable=False, default=30)
    when_nobody: Mapped[str] = mapped_column(String(20), nullable=False, default="meeting_booker")
    # First the rep who chatted with the visitor last, within this many days; None: off.
    last_chatted_days: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime, nullable=False, default=utcnow, onupdate=utcnow
    )

    route_to_users: Mapped[list[User]] = relationship(
        secondary=routing_rule_users, order_by="User.name"
    )
    route_to_groups: Mapped[list[Group]] = relationship(
        secondary=routing_rule_groups, order_by="Group.name"
    )
    fallback_users: Mapped[list[User]] = relationship(
        secondary=routing_rule_fallback_users, order_by="User.name"
    )
    fallback_groups: Mapped[list[Group]] = relationship(
        secondary=routing_rule_fallback_groups, order_by="Group.name"
    )

    def __repr__(self) -> str:
        return f"<RoutingRule {self.position} {self.name}>"
