"""Users (admins and reps) and the groups routing rules can target."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, Column, DateTime, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from liveapp.domain.avatars import Avatar
from liveapp.extensions import db

ROLES = ("admin", "rep")
AVAILABILITY = ("available", "away", "offline")
GROUP_DISTRIBUTIONS = {"first_available": "First Available: every member at once",
                       "round_robin": "Round Robin: one member at a time, in turn"}


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


group_members = Table(
    "group_members",
    db.metadata,
    Column("group_id", ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(256), nullable=False)
    role: Mapped[str] = mapped_column(String(10), nullable=False, default="rep")
    is_chat_user: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    availability: Mapped[str] = mapped_column(String(10), nullable=False, default="available")
    max_concurrent_chats: Mapped[int] = mapped_column(Integer, nullable=False, default=3)
    salesforce_user_id: Mapped[str | None] = mapped_column(String(18), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # Part of the id kept in the session and the remember cookie (see get_id): raising it
    # (sign-out, a new password, deactivation) ends every session issued before.
    session_version: Mapped[int] = mapped_column(
        Integer, nullable=False, default=1, server_default="1"
    )
    # Working hours, read in the user's IANA time zone: seven lists (Monday first) of
    # ["HH:MM", "HH:MM"] shifts, as liveapp.domain.routing.hours reads them. None means
    # no working hours were set: the rep is routable whenever they are available.
    time_zone: Mapped[str] = mapped_column(
        String(64), nullable=False, default="UTC", server_default="UTC"
    )
    working_hours: Mapped[list | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    groups: Mapped[list[Group]] = relationship(
        secondary=group_members, back_populates="members", order_by="Group.name"
    )

    @property
    def avatar(self) -> Avatar:
        """Their generated avatar (initials on their colour), as cards and chats show it."""
        return Avatar(self.id, self.name)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_active(self) -> bool:  # Flask-Login: deactivated users cannot log in
        return self.active

    def get_id(self) -> str:
        """Flask-Login's id for the session and the remember cookie: "<id>:<version>"."""
        return f"{self.id}:{self.session_version}"

    def end_sessions(self) -> None:
        """Invalidate every session and remember cookie issued to this user so far."""
        self.session_version = (self.session_version or 1) + 1

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class Group(db.Model):
    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    # Business hours, read in the group's IANA time zone: seven lists (Monday first) of
    # ["HH:MM", "HH:MM"] intervals and a list of "YYYY-MM-DD" holidays, as
    # liveapp.domain.business_hours reads them. None: no business hours, always open.
    time_zone: Mapped[str] = mapped_column(
        String(64), nullable=False, default="UTC", server_default="UTC"
    )
    business_hours: Mapped[list | None] = mapped_column(JSON)
    holidays: Mapped[list | None] = mapped_column(JSON)
    # How a chat transferred to the group is offered: every member at once, the first to
    # accept takes it ("first_available"), or one at a time in turn ("round_robin").
    distribution: Mapped[str] = mapped_column(
        String(20), nullable=False, default="first_available", server_default="first_available"
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    members: Mapped[list[User]] = relationship(
        secondary=group_members, back_populates="groups", order_by="User.name"
    )

    def __repr__(self) -> str:
        return f"<Group {self.name}>"
