"""The demo as `make demo` runs it: demo users and rules, the CRM sandbox's bundled
fixture, a real worker resolving owners. Each rep's Salesforce Contacts route to that rep
(issue 12: every owner used to become Dev Desai)."""

from __future__ import annotations

import time

import pytest

from liveapp.demo import seeding
from liveapp.demo.crm_sandbox.fixture import build
from liveapp.domain.visitor_presence import Presence
from liveapp.extensions import db
from liveapp.services.crm import owner_lookup
from liveapp.services.routing import board_presence, router
from liveapp.services.settings import users as user_service
from liveapp.services.tracking import hot_state

REPS = ("Ann Archer", "Bob Baker", "Cara Chen", "Dev Desai")


@pytest.fixture
def demo_team(connected, app_ctx):
    """The demo's users and routing rules, every rep with an open board (online)."""
    seeding.seed_users()
    seeding.seed_routing_rules()
    reps = {name: user_service.find_user_by_email(f"{name.split()[0].lower()}@"
                                                  f"{seeding.DEMO_DOMAIN}") for name in REPS}
    for rep in reps.values():
        board_presence.touch_board(rep.id)
    return reps


def _contact_owned_by(salesforce_user_id: str) -> str:
    contacts = build()["salesforce"]["objects"]["Contact"]
    return next(c["Email"] for c in contacts if c["OwnerId"] == salesforce_user_id)


def _present(visitor_id: str, site_id: int) -> None:
    now = time.time()
    hot_state.save(visitor_id, hot_state.HotState(site_id=site_id,
                                                  presence=Presence("active", now, now)))


def test_each_demo_reps_contacts_route_to_that_rep(demo_team, make_visitor, run_jobs):
    visitors = {}
    for name, rep in demo_team.items():
        assert len(rep.salesforce_user_id) == 18  # seeded as 15, stored canonical
        visitors[name] = make_visitor(email=_contact_owned_by(rep.salesforce_user_id))
        owner_lookup.request(visitors[name].id)
    run_jobs()
    db.session.expire_all()  # the worker wrote visitor.crm in its own session
    for name, visitor in visitors.items():
        _present(visitor.id, visitor.site_id)
        decision = router.route(visitor.id, "pounce")
        assert decision.rule_name == "Target accounts", decision.trace
        assert decision.offer_to == (demo_team[name].id,), decision.trace
        assert decision.trace[-1].startswith(f"Salesforce Contact owner {name} is available")


def test_seeding_again_gives_back_ids_the_migration_cleared(demo_team):
    ann, bob = demo_team["Ann Archer"], demo_team["Bob Baker"]
    ann_id = ann.salesforce_user_id
    for rep in (ann, bob):
        rep.salesforce_user_id = None
    db.session.commit()
    user_service.set_salesforce_user_id(demo_team["Cara Chen"], None)
    user_service.set_salesforce_user_id(bob, seeding.DEMO_USERS[3].salesforce_user_id)  # Cara's
    seeding.seed_users()
    db.session.expire_all()
    assert ann.salesforce_user_id == ann_id
    assert demo_team["Cara Chen"].salesforce_user_id is None  # Bob holds it now: left alone
