"""Issue 12: a visitor routed to the group before Salesforce answered moves to the
Salesforce owner's board when the answer comes, live, and the card says why."""

from __future__ import annotations

import pytest

from liveapp.services.routing import board_presence, routing_rules
from tests.board import conftest as board_fixtures
from tests.board.conftest import PRICING
from tests.browser.test_board_live import (  # noqa: F401  (its fixture: tracked)
    card,
    sign_in,
    tracked,
)
from tests.crm.conftest import connected, control, job_app, sandbox  # noqa: F401
from tests.factories import GroupFactory
from tests.routing_jobs.conftest import work
from tests.routing_jobs.test_crm_race import (  # noqa: F401  (no_crm_wait: a fixture)
    ANN_SF_ID,
    contact_owned_by,
    no_crm_wait,
    resolve_crm,
)
from tests.visitor_ids import VisitorId

site, streams = board_fixtures.site, board_fixtures.streams
pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("streams_end_with_the_test")]
WAIT_MS = 5_000


def test_the_owner_sees_the_visitor_arrive_with_the_reason(
        page, live_server, app_ctx, job_app, connected, streams, make_user,  # noqa: F811
        tracked, no_crm_wait):  # noqa: F811  (routing decides before Salesforce answers)
    ann = make_user(role="rep", name="Ann Archer", email="ann@example.com",
                    salesforce_user_id=ANN_SF_ID)
    gina = make_user(role="rep", name="Gina Group", email="gina@example.com")
    group = GroupFactory(name="Inbound", members=[gina])
    routing_rules.save_rule(None, {
        "name": "Owners first", "active": True, "criteria": None, "salesforce_owner": True,
        "route_to_groups": [group.id], "distribution": "first_available",
        "when_nobody": "meeting_booker", "offer_timeout_seconds": 30,
    })
    board_presence.touch_board(gina.id)
    sign_in(page, live_server, ann)
    board_presence.touch_board(ann.id)
    vid = VisitorId()
    tracked(vid, url=PRICING, title="Pricing plans")  # lands in Pricing: pounce routing
    tracked(vid, type="identify", url=PRICING, email=contact_owned_by(ANN_SF_ID))
    work()
    assert page.locator(card(vid)).count() == 0  # Gina's, for now
    resolve_crm()
    work()
    page.wait_for_selector(card(vid), timeout=WAIT_MS)
    why = page.locator(f"{card(vid)} .vc-why").inner_text()
    assert "re-routed: Salesforce owner found → Ann Archer" in why
    assert "not connected" not in why
    assert page.evaluate("window.notReloaded") is True
