"""Creating and changing users and groups; views call these, tests too."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select

from liveapp.extensions import db
from liveapp.models import Group, User


class ValidationFailed(Exception):
    """A change that cannot be saved; `errors` maps field name to message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def _check_unique(user: User | None, email: str, salesforce_user_id: str | None) -> None:
    errors = {}
    other = find_user_by_email(email)
    if other is not None and other is not user:
        errors["email"] = "Another user already has this email."
    if salesforce_user_id:
        owner = db.session.scalar(
            select(User).where(User.salesforce_user_id == salesforce_user_id)
        )
        if owner is not None and owner is not user:
            errors["salesforce_user_id"] = f"{owner.name} already has this Salesforce user id."
    if errors:
        raise ValidationFailed(errors)


def create_user(*, email: str, name: str, password: str, role: str = "rep",
                groups: Iterable[Group] = (), **fields) -> User:
    """Add a user; raises ValidationFailed when the email or CRM id is taken."""
    email = email.strip().lower()
    _check_unique(None, email, fields.get("salesforce_user_id"))
    user = User(email=email, name=name.strip(), role=role, **fields)
    user.set_password(password)
    user.groups = list(groups)
    db.session.add(user)
    db.session.commit()
    return user


def update_user(user: User, *, email: str, name: str, role: str, password: str | None = None,
                groups: Iterable[Group] = (), **fields) -> User:
    """Change a user's details; an empty password keeps the old one."""
    email = email.strip().lower()
    _check_unique(user, email, fields.get("salesforce_user_id"))
    user.email, user.name, user.role = email, name.strip(), role
    for key, value in fields.items():
        setattr(user, key, value)
    if password:
        user.set_password(password)
    user.groups = list(groups)
    db.session.commit()
    return user


def set_active(user: User, active: bool) -> None:
    """Deactivate (no sign-in, no routing) or reactivate a user."""
    user.active = active
    if not active:
        user.availability = "offline"
    db.session.commit()


def save_group(group: Group | None, *, name: str, members: Iterable[User]) -> Group:
    """Create or rename a group and set its members."""
    name = name.strip()
    clash = db.session.scalar(select(Group).where(func.lower(Group.name) == name.lower()))
    if clash is not None and clash is not group:
        raise ValidationFailed({"name": "A group with this name already exists."})
    if group is None:
        group = Group(name=name)
        db.session.add(group)
    group.name = name
    group.members = list(members)
    db.session.commit()
    return group


def delete_group(group: Group) -> None:
    db.session.delete(group)
    db.session.commit()
