"""A CRM that fails in the sandbox makes routing fall through to the rule's next step,
and the explanation says why (the chain: sandbox fault → resolve_crm → routing)."""

from __future__ import annotations

import time

from liveapp.domain.visitor_presence import Presence
from liveapp.extensions import db
from liveapp.services.crm import owner_lookup
from liveapp.services.routing import board_presence, router, routing_rules
from liveapp.services.tracking import hot_state
from tests.factories import GroupFactory, UserFactory

CONTACT = "morgan.moreau0@northwindanalytics.example"


def test_salesforce_rate_limited_falls_through_to_the_group(connected, make_visitor, run_jobs,
                                                            control, app_ctx):
    rep = UserFactory(name="Gina Group", email="gina@example.com")
    group = GroupFactory(name="Inbound", members=[rep])
    routing_rules.save_rule(None, {
        "name": "Owners first", "active": True, "criteria": None, "salesforce_owner": True,
        "route_to_groups": [group.id], "distribution": "first_available",
        "when_nobody": "meeting_booker", "offer_timeout_seconds": 30,
    })
    control.fault("salesforce", "/services/data", "429", count=None)
    visitor = make_visitor(email=CONTACT)
    owner_lookup.request(visitor.id)
    run_jobs()
    now = time.time()
    hot_state.save(visitor.id, hot_state.HotState(site_id=visitor.site_id,
                                                  presence=Presence("active", now, now)))
    board_presence.touch_board(rep.id)  # Gina's board is open: she is online
    db.session.expire_all()  # the worker wrote visitor.crm in its own session
    decision = router.route(visitor.id, "pounce")
    assert list(decision.offer_to) == [rep.id], decision.trace
    assert any("Salesforce unavailable (rate limited): skipped" in line
               for line in decision.trace), decision.trace
    assert "Gina Group" in decision.summary
