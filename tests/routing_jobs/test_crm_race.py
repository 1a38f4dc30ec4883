"""Routing and the CRM look-up race (issue 12, defect 2), with real RQ workers on both
queues, the CRM sandbox over HTTPS and visitors identified through the events API.

The routing job (queue high) runs before resolve_crm (queue default), as it does in the
demo: routing waits for the look-up in flight, and CRM facts that arrive after it decided
anyway re-route a visitor nobody claimed, and only when the outcome changes.
"""

from __future__ import annotations

import pytest

from liveapp.demo.crm_sandbox.fixture import DEMO_OWNERS, FORMER_OWNER, build
from liveapp.extensions import db, queue, redis
from liveapp.models import User
from liveapp.services.bus import changes
from liveapp.services.chat import conversations
from liveapp.services.crm import owner_lookup
from liveapp.services.routing import assignments, declines, router, routing_rules
from tests.crm.conftest import connected, control, published, sandbox  # noqa: F401  (CRM sandbox)
from tests.factories import GroupFactory
from tests.routing_jobs.conftest import run_scheduled, work
from tests.rq_workers import SimpleWorker

ANN_SF_ID = next(sid for local, _name, sid in DEMO_OWNERS if local == "ann")


def contact_owned_by(salesforce_user_id: str) -> str:
    contacts = build()["salesforce"]["objects"]["Contact"]
    return next(c["Email"] for c in contacts if c["OwnerId"] == salesforce_user_id)


def resolve_crm() -> None:
    """Run the CRM look-ups (queue default) with a real worker, as the worker would."""
    SimpleWorker([queue("default")], connection=redis.client, serializer="json").work(
        burst=True, max_jobs=20)
    db.session.expire_all()  # the worker wrote visitor.crm in its own session


@pytest.fixture
def no_crm_wait(app, monkeypatch):
    """Routing's wait for the CRM is over before the CRM answers."""
    monkeypatch.setitem(app.config, "ROUTING_CRM_WAIT", 0)


@pytest.fixture
def team(make_rep, connected):  # noqa: F811  (the sandbox fixture)
    """Ann owns Salesforce Contacts; Gina and Hal are the Inbound group, the fallback."""
    ann = make_rep(name="Ann Archer", email="ann@example.com", salesforce_user_id=ANN_SF_ID)
    gina = make_rep(name="Gina Group", email="gina@example.com")
    hal = make_rep(name="Hal Group", email="hal@example.com")
    return {"ann": ann, "gina": gina, "hal": hal}


@pytest.fixture
def owners_first(team):
    """The Salesforce owner first, else the Inbound group."""

    def make(distribution: str = "first_available") -> None:
        group = GroupFactory(name="Inbound", members=[team["gina"], team["hal"]])
        routing_rules.save_rule(None, {
            "name": "Owners first", "active": True, "criteria": None,
            "salesforce_owner": True, "route_to_groups": [group.id],
            "distribution": distribution, "when_nobody": "meeting_booker",
            "offer_timeout_seconds": 30,
        })

    return make


@pytest.fixture
def identified(job_app, api, visit):
    """identified(email) -> a live visitor identified through the events API (as an
    outbound email click-through does), their CRM look-up queued and routing enqueued
    (as landing in a stream does): routing is first in line."""

    def make(email: str, trigger: str = "pounce") -> str:
        vid = visit()
        assert api.send(visitor_id=vid, type="identify", email=email).status_code == 202
        assert owner_lookup.in_flight(vid) and [vid] in [j.args for j in queue("default").jobs]
        if trigger == "inbound":
            router.request_inbound(vid)
        else:
            router.enqueue_routing(vid, trigger)
        return vid

    return make


def test_routing_waits_for_the_look_up_and_routes_to_the_owner(owners_first, team,
                                                               identified):
    owners_first()
    vid = identified(contact_owned_by(ANN_SF_ID))
    work()  # routing runs first: the look-up is in flight, so it waits (queued again)
    assert assignments.get(vid) is None and router.history(vid) == []
    assert redis.client.exists(router.lock_key(vid))  # still routing this visitor
    resolve_crm()
    assert not owner_lookup.in_flight(vid)
    assert run_scheduled() and work() is None
    current = assignments.get(vid)
    assert current.routed_to == [team["ann"].id], current.explanation
    assert "Salesforce Contact owner Ann Archer is available → Ann Archer" in \
        current.explanation
    assert "not connected" not in current.explanation
    assert len(router.history(vid)) == 1 and not redis.client.exists(router.lock_key(vid))


def test_a_late_answer_re_routes_to_the_owner_and_says_so(no_crm_wait, owners_first, team,
                                                          identified):
    owners_first()
    vid = identified(contact_owned_by(ANN_SF_ID))
    work()
    before = assignments.get(vid)
    assert set(before.routed_to) == {team["gina"].id, team["hal"].id}
    assert "Salesforce look-up pending: skipped" in before.explanation
    assert "not connected" not in before.explanation
    resolve_crm()  # its "crm" change re-checks the routed visitor
    work()
    after = assignments.get(vid)
    assert after.routed_to == [team["ann"].id], after.explanation
    assert after.explanation.startswith(
        "re-routed: Salesforce owner found → Ann Archer (before: route to group Inbound →")
    assert [h["step"] for h in router.history(vid)] == ["salesforce_owner", "route_to"]


def test_a_late_answer_replaces_an_open_inbound_offer(no_crm_wait, owners_first, team,
                                                      identified):
    owners_first("round_robin")
    vid = identified(contact_owned_by(ANN_SF_ID), "inbound")
    work()
    first = assignments.get(vid)
    assert first.trigger == "inbound" and first.offered_to != [team["ann"].id]
    resolve_crm()
    work()
    offer = assignments.get(vid)
    assert offer.offered_to == [team["ann"].id] and offer.trigger == "inbound"
    assert offer.offer_until is not None and offer.explanation.startswith("re-routed:")
    # The replaced offer's timeout finds nothing to take: Ann keeps hers.
    assert run_scheduled(first.offered_to[0]) and work() is None
    assert assignments.get(vid).offered_to == [team["ann"].id]
    assert team["ann"].id not in declines.excluded(vid)


def test_facts_that_change_nothing_write_nothing(no_crm_wait, owners_first, team, identified,
                                                 published):  # noqa: F811
    owners_first("round_robin")
    vid = identified(contact_owned_by(FORMER_OWNER[2]))  # owned by someone not an app user
    work()
    before = assignments.get(vid)
    assert "Salesforce look-up pending: skipped" in before.explanation
    seen = len(published)
    resolve_crm()
    assert any(c.kind == "crm" and c.visitor_id == vid for c in published[seen:])
    work()  # the re-check ran: Round Robin's next turn is no reason to move the visitor
    assert assignments.get(vid) == before
    assert len(router.history(vid)) == 1
    assert not any(c.kind == "routing" and c.visitor_id == vid for c in published[seen:])


def test_a_claimed_visitor_is_never_re_routed(no_crm_wait, owners_first, team, identified):
    owners_first()
    claimed, unclaimed = (identified(contact_owned_by(ANN_SF_ID)) for _ in range(2))
    work()
    conversations.claim(claimed, db.session.get(User, team["gina"].id), "pounce")
    resolve_crm()
    work()
    assert assignments.get(unclaimed).routed_to == [team["ann"].id]
    held = assignments.get(claimed)
    assert held.claimed_by == team["gina"].id and team["ann"].id not in held.reps()
    assert len(router.history(claimed)) == 1


def test_new_facts_while_routing_decides_are_checked_after_it(owners_first, identified):
    owners_first()
    vid = identified(contact_owned_by(ANN_SF_ID))
    # A "crm" change while the routing job holds the visitor: remembered, not dropped,
    # and never in place of a stronger trigger waiting there.
    changes.publish(vid, "crm", salesforce="ok")
    assert redis.client.get(router.again_key(vid)) == b"crm"
    router.request_inbound(vid)
    assert redis.client.get(router.again_key(vid)) == b"inbound"
    changes.publish(vid, "crm", salesforce="ok")
    assert redis.client.get(router.again_key(vid)) == b"inbound"


def test_a_look_up_that_fails_for_good_stops_the_wait(owners_first, identified, monkeypatch):
    owners_first()
    vid = identified(contact_owned_by(ANN_SF_ID))
    job = queue("default").jobs[0]
    job.retries_left = 0  # its last attempt
    job.save()

    def broken(visitor_id):
        raise RuntimeError("database went away")

    monkeypatch.setattr(owner_lookup, "resolve", broken)
    resolve_crm()
    assert not owner_lookup.in_flight(vid)
    work()
    current = assignments.get(vid)
    assert "Salesforce: no look-up result for this visitor: skipped" in current.explanation


def test_reverse_ip_making_a_routed_visitor_a_target_account_re_routes_them(
        app, api, job_app, team, visit, monkeypatch):
    """An anonymous visitor routed to the group becomes a target account once enrichment
    finds their company by IP: the target accounts rule takes them."""
    import ipaddress

    from liveapp.integrations.company_directory import CompanyDirectory
    from liveapp.models import AbmAccount

    group = GroupFactory(name="Inbound", members=[team["gina"], team["hal"]])
    target = {"match": "all", "conditions": [
        {"field": "is_target_account", "operator": "equals", "value": True}]}
    for name, extra in (("Target accounts", {"criteria": target,
                                             "route_to_users": [team["ann"].id]}),
                        ("Everyone else", {"criteria": None, "route_to_groups": [group.id]})):
        routing_rules.save_rule(None, {
            "name": name, "active": True, "distribution": "first_available",
            "when_nobody": "meeting_booker", "offer_timeout_seconds": 30, **extra})
    company = next(c for c in CompanyDirectory.default().companies if c.ip_range)
    db.session.add(AbmAccount(domain=company.domain, tier="1", name=company.name))
    db.session.commit()
    monkeypatch.setitem(app.config, "TRUSTED_PROXY_COUNT", 1)
    vid = visit()
    ip = str(ipaddress.IPv4Network(company.ip_range).network_address + 7)
    assert api.send(visitor_id=vid, headers={"X-Forwarded-For": ip}).status_code == 202
    router.enqueue_routing(vid, "pounce")
    work()  # before enrichment: an anonymous visitor, the catch-all rule
    assert assignments.get(vid).rule_name == "Everyone else"
    SimpleWorker([queue("low")], connection=redis.client, serializer="json").work(
        burst=True, max_jobs=20)  # enrichment: company by IP, ABM target account
    assert owner_lookup.in_flight(vid)  # the company is looked up in Salesforce too
    resolve_crm()
    work()
    after = assignments.get(vid)
    assert after.routed_to == [team["ann"].id], after.explanation
    assert after.explanation.startswith(
        "re-routed: rule 'Target accounts' matches now → Ann Archer (before: route to group")
