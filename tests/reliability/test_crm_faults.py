"""The CRMs (the sandbox, answering as Salesforce, Outreach and Salesloft) failing during
routing, in turn: answering 500, then 429, then 5 s late, then down (its process killed,
started again on its port). Each time routing does not wait for them: the visitor is
routed on without their owner and the card says why; once the CRMs answer again, the
look-up is tried again and routing catches up (the visitor goes to their Salesforce
owner)."""

from __future__ import annotations

import pytest

from tests.reliability.conftest import kill_process, start_process
from tests.scenarios.people import eventually, routing_of
from tests.scenarios.test_crm_routing import contacts_owned_by, routed_to

FAULTS = {  # the sandbox's faults (POST /_sandbox/faults), until cleared
    "500": {"kind": "500"},
    "429": {"kind": "429", "retry_after": 1},
    "slow": {"kind": "slow", "delay": 5},
    "down": None,  # the sandbox's process killed
}
# What the card's explanation says of the CRMs meanwhile (each still tried, in its words).
REASONS = {"500": "unavailable (", "429": "unavailable (rate limited", "slow": "pending",
           "down": "unavailable (down"}
SERVICES = {"salesforce": "/services/data", "outreach": "/", "salesloft": "/"}


@pytest.fixture(scope="module", autouse=True)
def second_worker(stack):
    """Production runs several workers: while one waits on a slow CRM, another routes.
    (With a single worker, as in the demo, routing waits behind the look-up instead.)"""
    start_process(stack, "worker-2", "worker")


@pytest.mark.parametrize("fault", list(FAULTS))
def test_routing_falls_through_then_catches_up(stack, team, visitor, fault):
    admin, dev = team["admin"], team["dev"]
    if FAULTS[fault] is None:
        kill_process(stack, "crm-sandbox")
    else:
        for service, prefix in SERVICES.items():  # every CRM of the sandbox
            added = stack.sandbox_control("POST", "/faults", json={
                "service": service, "path_prefix": prefix, "count": None,
                **FAULTS[fault]})
            assert added.status_code == 201, added.text
    try:
        person = visitor()  # known by their email (a link's lv_email, say), then on a page
        person.identify(contacts_owned_by(dev.email)[list(FAULTS).index(fault)])
        person.page_view("contact", "Contact us")  # routed at once (pounce)
        person.start_heartbeats()

        def fell_through():
            routing = routing_of(admin.card(person))
            return routing if routing and "offered to" in routing.line \
                and dev.name not in routing.line \
                and f"Salesforce {REASONS[fault]}" in routing.explanation.replace(
                    "Salesforce look-up", "Salesforce") else None

        fallen = eventually(fell_through, 20, "routed on without Salesforce",
                            show=lambda: routing_of(admin.card(person)))
        assert "Salesforce Contact owner" not in fallen.explanation
    finally:
        if FAULTS[fault] is None:
            start_process(stack, "crm-sandbox", "crm-sandbox", "--port",
                          stack.sandbox["url"].rsplit(":", 1)[1], "--quiet")
            eventually(lambda: _answers(stack), 15, "the sandbox back")
        else:
            stack.sandbox_control("DELETE", "/faults")
    # The CRM answers again: the look-up is tried again and routing catches up.
    routed_to(admin, person, dev, f"Salesforce Contact owner {dev.name}", within=30)


def _answers(stack) -> bool:
    import httpx

    try:
        return stack.sandbox_control("GET", "/health").status_code == 200
    except httpx.HTTPError:
        return False
