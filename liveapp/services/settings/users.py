"""Creating and changing users and groups; views call these, tests too."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select

from liveapp.domain import salesforce_ids
from liveapp.errors import ValidationFailed
from liveapp.extensions import db
from liveapp.models import Group, User
from liveapp.models.user import GROUP_DISTRIBUTIONS
from liveapp.services.settings.names import name_taken


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def _checked(user: User | None, email: str, fields: dict) -> dict:
    """The fields as stored, the Salesforce user id in its 18-character form; raises
    ValidationFailed for a taken email, or a Salesforce id that is invalid or taken."""
    errors = {}
    other = find_user_by_email(email)
    if other is not None and other is not user:
        errors["email"] = "Another user already has this email."
    if "salesforce_user_id" in fields:
        sf_id, error = _salesforce_id(user, fields["salesforce_user_id"])
        fields = {**fields, "salesforce_user_id": sf_id}
        if error:
            errors["salesforce_user_id"] = error
    if errors:
        raise ValidationFailed(errors)
    return fields


def _salesforce_id(user: User | None, value: str | None) -> tuple[str | None, str | None]:
    """(the id to store, why it cannot be stored); empty means no Salesforce user."""
    if not (value or "").strip():
        return None, None
    error = salesforce_ids.id_error(value)
    if error:
        return None, error
    # Stored canonical, so a 15 and its 18 are one id to the unique constraint too; a row
    # written in the 15-character form some other way still counts as taken.
    sf_id = salesforce_ids.canonical(value)
    both_forms = (sf_id, sf_id[:salesforce_ids.SHORT_LENGTH])
    owner = db.session.scalar(
        select(User).where(User.salesforce_user_id.in_(both_forms)).limit(1))
    if owner is not None and owner is not user:
        return sf_id, f"{owner.name} already has this Salesforce user id."
    return sf_id, None


def create_user(*, email: str, name: str, password: str, role: str = "rep",
                groups: Iterable[Group] = (), **fields) -> User:
    """Add a user; raises ValidationFailed when the email is taken or the Salesforce
    user id is invalid or taken."""
    email = email.strip().lower()
    fields = _checked(None, email, fields)
    user = User(email=email, name=name.strip(), role=role, **fields)
    user.set_password(password)
    user.groups = list(groups)
    db.session.add(user)
    db.session.commit()
    return user


def update_user(user: User, *, email: str, name: str, role: str, password: str | None = None,
                groups: Iterable[Group] = (), **fields) -> User:
    """Change a user's details; an empty password keeps the old one, a new one ends the
    user's sessions everywhere."""
    email = email.strip().lower()
    fields = _checked(user, email, fields)
    user.email, user.name, user.role = email, name.strip(), role
    for key, value in fields.items():
        setattr(user, key, value)
    if password:
        user.set_password(password)
        user.end_sessions()
    user.groups = list(groups)
    db.session.commit()
    return user


def set_salesforce_user_id(user: User, value: str | None) -> None:
    """Map a user to a Salesforce user; raises ValidationFailed when the id is invalid
    or another user's."""
    sf_id, error = _salesforce_id(user, value)
    if error:
        raise ValidationFailed({"salesforce_user_id": error})
    user.salesforce_user_id = sf_id
    db.session.commit()


def set_active(user: User, active: bool) -> None:
    """Deactivate (no sign-in, no routing) or reactivate a user."""
    user.active = active
    if not active:
        user.availability = "offline"
        user.end_sessions()
    db.session.commit()


def sign_out_everywhere(user: User) -> None:
    """End every session and remember cookie of the user (on every device)."""
    user.end_sessions()
    db.session.commit()


def save_group(group: Group | None, *, name: str, members: Iterable[User],
               hours: dict | None = None, distribution: str | None = None) -> Group:
    """Create or rename a group and set its members, its business hours when given
    (`time_zone`, `business_hours`, `holidays`, already checked by the form) and how
    transfers to it go."""
    name = name.strip()
    if distribution is not None and distribution not in GROUP_DISTRIBUTIONS:
        raise ValidationFailed({"distribution": "Choose First Available or Round Robin."})
    if name_taken(Group, name, group):
        raise ValidationFailed({"name": "A group with this name already exists."})
    if group is None:
        group = Group(name=name)
        db.session.add(group)
    group.name = name
    group.members = list(members)
    for key, value in (hours or {}).items():
        setattr(group, key, value)
    if distribution is not None:
        group.distribution = distribution
    db.session.commit()
    return group


def delete_group(group: Group) -> None:
    db.session.delete(group)
    db.session.commit()
