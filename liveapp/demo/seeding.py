"""Demo data: the users and groups a fresh `liveapp demo` signs in with."""

from __future__ import annotations

import contextlib
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from liveapp.demo.crm_sandbox import server as crm_sandbox
from liveapp.demo.history import seed_history
from liveapp.demo.streams import seed_streams
from liveapp.errors import ValidationFailed
from liveapp.extensions import db
from liveapp.models import Group, RoutingRule, Site, User
from liveapp.services.chat import canned_replies
from liveapp.services.crm import crm_settings, data_imports
from liveapp.services.routing import routing_rules as rule_service
from liveapp.services.settings import sites as site_service
from liveapp.services.settings import users as user_service

DATA = Path(__file__).resolve().parent / "data"

DEMO_PASSWORD = "liveapp-demo"
DEMO_DOMAIN = "demo.liveapp.test"
DEMO_SITE_NAME = "Demo site"
DEMO_SITE_ORIGINS = ("http://127.0.0.1:8000", "http://localhost:8000")


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    role: str
    group: str | None
    salesforce_user_id: str | None

    @property
    def note(self) -> str:
        """What the demo's printed logins say after the name."""
        return " (simulated)" if self.email.split("@")[0] in SIMULATED_REPS else ""


# Salesforce user ids in their 15-character form, as Salesforce shows them in a user's
# URL; they are stored in the 18-character form, which the CRM sandbox's records use.
DEMO_USERS = (
    DemoUser(f"admin@{DEMO_DOMAIN}", "Avery Admin", "admin", None, "0055g00000KzAvY"),
    DemoUser(f"ann@{DEMO_DOMAIN}", "Ann Archer", "rep", "Enterprise", "0055g00000Lm7Qa"),
    DemoUser(f"bob@{DEMO_DOMAIN}", "Bob Baker", "rep", "Enterprise", "0055g00000Bb3kR"),
    DemoUser(f"cara@{DEMO_DOMAIN}", "Cara Chen", "rep", "Mid-Market", "0055g00000Cc9Tw"),
    DemoUser(f"dev@{DEMO_DOMAIN}", "Dev Desai", "rep", "Mid-Market", "0055g00000Dx4Ve"),
    DemoUser(f"eli@{DEMO_DOMAIN}", "Eli Evans", "rep", "Mid-Market", None),
)

# The reps liveapp.demo.reps plays in `liveapp demo` (their emails' first part): one
# Enterprise rep and two Mid-Market reps; Ann, Eli and the admin are left to whoever
# tries the demo.
SIMULATED_REPS = ("bob", "cara", "dev")


def simulated_users(names=SIMULATED_REPS) -> list[DemoUser]:
    """The demo users simulated, in the demo's order."""
    wanted = set(names)
    return [user for user in DEMO_USERS if user.email.split("@")[0] in wanted]


def seed_users() -> list[DemoUser]:
    """Create the demo users and groups if missing (idempotent); returns the logins."""
    groups: dict[str, Group] = {}
    for spec in DEMO_USERS:
        if spec.group and spec.group not in groups:
            groups[spec.group] = db.session.scalar(
                db.select(Group).where(Group.name == spec.group)
            ) or user_service.save_group(None, name=spec.group, members=[])
    for spec in DEMO_USERS:
        user = user_service.find_user_by_email(spec.email)
        if user is not None:
            if user.salesforce_user_id is None and spec.salesforce_user_id:
                _restore_salesforce_id(user, spec.salesforce_user_id)
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


def _restore_salesforce_id(user: User, salesforce_user_id: str) -> None:
    """Migration 0009 cleared the ids of earlier demos (16 characters, not valid ids): give
    a demo user the demo's id again, unless another user holds it now."""
    with contextlib.suppress(ValidationFailed):
        user_service.set_salesforce_user_id(user, salesforce_user_id)


def demo_site() -> Site | None:
    return db.session.scalar(select(Site).where(Site.name == DEMO_SITE_NAME))


def seed_site() -> Site:
    """The demo site (served by the app under /demo-site/), created once."""
    return demo_site() or site_service.save_site(
        None, name=DEMO_SITE_NAME, allowed_origins=list(DEMO_SITE_ORIGINS)
    )


def allow_demo_origin(base_url: str) -> None:
    """`liveapp demo` may pick another port: let the demo site's pages send from it."""
    site = seed_site()
    port = base_url.rstrip("/").rsplit(":", 1)[-1]
    wanted = dict.fromkeys(
        [base_url.rstrip("/"), f"http://localhost:{port}", f"http://127.0.0.1:{port}"])
    missing = [o for o in wanted if o not in site.allowed_origins]
    if missing:
        site_service.save_site(site, name=site.name,
                               allowed_origins=[*site.allowed_origins, *missing])
def _condition(field: str, operator: str, value: object = None) -> dict:
    return {"field": field, "operator": operator, "value": value}


# Top to bottom: outbound email clicks go to their sender, target accounts to their owner
# or the Enterprise team in turn, everyone else to their owner (a Salesforce Lead's, an
# Outreach/Salesloft prospect's) or Mid-Market by load.
DEMO_RULES = (
    {
        "name": "Outbound prospects",
        "criteria": {"match": "all", "conditions": [_condition("utm_medium", "equals", "email")]},
        "outreach_mode": "sender", "salesforce_owner": True,
        "fallback_groups": ["Enterprise"],
        "distribution": "first_available", "when_nobody": "meeting_booker",
    },
    {
        "name": "Target accounts",
        "criteria": {"match": "any", "conditions": [
            _condition("is_target_account", "equals", True),
            _condition("is_contact", "equals", True),
        ]},
        "salesforce_owner": True, "route_to_groups": ["Enterprise"],
        "distribution": "round_robin", "offer_timeout_seconds": 30,
        "when_nobody": "meeting_booker",
    },
    {
        "name": "Everyone else",
        "criteria": {"match": "all", "conditions": []},
        "outreach_mode": "owner", "salesforce_owner": True,
        "route_to_groups": ["Mid-Market"],
        "distribution": "balanced", "when_nobody": "queue",
    },
)


def seed_routing_rules() -> None:
    """Create the demo routing rules if missing (idempotent), in their demo order."""
    groups = {g.name: g.id for g in db.session.scalars(db.select(Group))}
    for spec in DEMO_RULES:
        if db.session.scalar(db.select(RoutingRule).where(RoutingRule.name == spec["name"])):
            continue
        data = {**spec, "active": True}
        for key in ("route_to_groups", "fallback_groups"):
            data[key] = [groups[name] for name in spec.get(key, ())]
        rule_service.save_rule(None, data, enterprise=False)


def seed_samples() -> None:
    """The demo's sample ABM and marketing files (matching the demo companies), once."""
    if not data_imports.counts()["abm"]:
        data_imports.import_abm((DATA / "abm_accounts.csv").read_bytes())
    if not data_imports.counts()["marketing"]:
        data_imports.import_marketing((DATA / "marketing.csv").read_bytes())


# The team's canned replies (Settings → Canned replies); reps type "/" and a shortcut.
DEMO_REPLIES = (
    ("hello", "Hi {first_name}! I'm around if you have questions about {company}'s plans."),
    ("pricing", "Our plans start at $49 a seat a month; for {company} I'd suggest Team."),
    ("demo", "Would a 20-minute demo help, {first_name}? I can book one now."),
)


def seed_canned_replies() -> None:
    """The team's canned replies, if there are none yet."""
    if canned_replies.team_replies():
        return
    for shortcut, body in DEMO_REPLIES:
        canned_replies.save(None, owner=None, shortcut=shortcut, body=body)


def seed() -> list[DemoUser]:
    """All demo data. Later features add their own seeds here."""
    logins = seed_users()
    seed_site()
    seed_streams()
    seed_routing_rules()
    seed_samples()
    seed_canned_replies()
    return logins


def seed_past() -> int:
    """Three weeks of made-up history for the reports (`history`), once; `liveapp demo`
    and `seed-demo` only (the tests' seeded apps start without a past)."""
    return seed_history(seed_site().id, DATA / "companies.csv")


def announcements() -> list[str]:
    """Extra lines `liveapp demo` prints (the site key, and so on); <URL> is the base URL."""
    site = demo_site()
    if site is None:
        return []
    body = json.dumps({"site_key": site.site_key,
                       "visitor_id": "6f1c1c1e-8d4e-4b7a-9a57-1d2b7a4e0c11",
                       "type": "page_view", "url": "http://localhost:8000/demo-site/pricing"})
    names = [user.name.split()[0] for user in simulated_users()]
    return [
        f"{', '.join(names[:-1])} and {names[-1]} are simulated: at their boards, they accept "
        "most chat requests, answer and close chats, and now and then start one.",
        f"Demo site key: {site.site_key} (origins: {', '.join(site.allowed_origins)})",
        "Demo site: <URL>demo-site/ (tracked by the snippet). Send an event yourself:",
        f"  curl -H 'Content-Type: application/json' -d '{body}' <URL>t/v1/events",
    ]


def extra_processes(base_url: str) -> list[tuple[str, list[str]]]:
    """Processes `liveapp demo` runs beside web and worker (CRM sandbox, visitor
    simulator, simulated reps)."""
    simulator = [sys.executable, "-m", "liveapp.cli", "simulate", "--url", base_url,
                 "--visitors", "25", "--rate", "0.5"]
    sandbox = [sys.executable, "-m", "liveapp.cli", "crm-sandbox", "--port", "0", "--quiet"]
    reps = [sys.executable, "-m", "liveapp.demo.reps", "--url", base_url]
    return [("crm-sandbox", sandbox), ("simulator", simulator), ("reps", reps)]


def forget_crm_sandbox(instance: Path) -> None:
    """A sandbox killed hard leaves its settings file behind: never point at that one."""
    (Path(instance) / crm_sandbox.SETTINGS_FILE).unlink(missing_ok=True)


def connect_crm_sandbox(instance: Path, timeout: float = 30.0) -> str | None:
    """Wait for the demo's CRM sandbox to write its settings, then enable every CRM
    integration pointing at it (idempotent); returns the sandbox URL, None if it never
    came up."""
    deadline = time.monotonic() + timeout
    while (settings := crm_sandbox.load_settings(instance)) is None:
        if time.monotonic() > deadline:
            return None
        time.sleep(0.2)
    crm_settings.save_all(settings)
    return settings["url"]
