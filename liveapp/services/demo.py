"""Demo data: the users and groups a fresh `liveapp demo` signs in with."""

from __future__ import annotations

from dataclasses import dataclass

from liveapp.extensions import db
from liveapp.models import Group, User
from liveapp.services import users as user_service

DEMO_PASSWORD = "liveapp-demo"
DEMO_DOMAIN = "demo.liveapp.test"


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    role: str
    group: str | None
    salesforce_user_id: str | None


DEMO_USERS = (
    DemoUser(f"admin@{DEMO_DOMAIN}", "Avery Admin", "admin", None, "0055g00000DEMO01"),
    DemoUser(f"ann@{DEMO_DOMAIN}", "Ann Archer", "rep", "Enterprise", "0055g00000DEMO02"),
    DemoUser(f"bob@{DEMO_DOMAIN}", "Bob Baker", "rep", "Enterprise", "0055g00000DEMO03"),
    DemoUser(f"cara@{DEMO_DOMAIN}", "Cara Chen", "rep", "Mid-Market", "0055g00000DEMO04"),
    DemoUser(f"dev@{DEMO_DOMAIN}", "Dev Desai", "rep", "Mid-Market", "0055g00000DEMO05"),
    DemoUser(f"eli@{DEMO_DOMAIN}", "Eli Evans", "rep", "Mid-Market", None),
)


def seed_users() -> list[DemoUser]:
    """Create the demo users and groups if missing (idempotent); returns the logins."""
    groups: dict[str, Group] = {}
    for spec in DEMO_USERS:
        if spec.group and spec.group not in groups:
            groups[spec.group] = db.session.scalar(
                db.select(Group).where(Group.name == spec.group)
            ) or user_service.save_group(None, name=spec.group, members=[])
    for spec in DEMO_USERS:
        if user_service.find_user_by_email(spec.email):
            continue
        user_service.create_user(
            email=spec.email,
            name=spec.name,
            password=DEMO_PASSWORD,
            role=spec.role,
            groups=[groups[spec.group]] if spec.group else [],
            salesforce_user_id=spec.salesforce_user_id,
            is_chat_user=True,
        )
    return list(DEMO_USERS)


def seed() -> list[DemoUser]:
    """All demo data. Later features add their own seeds here."""
    return seed_users()


def demo_admin() -> User | None:
    return user_service.find_user_by_email(DEMO_USERS[0].email)


def announcements() -> list[str]:
    """Extra lines `liveapp demo` prints (the site key, and so on)."""
    return []


def extra_processes(base_url: str) -> list[tuple[str, list[str]]]:
    """Processes `liveapp demo` runs beside web and worker (simulator, CRM sandbox)."""
    return []
