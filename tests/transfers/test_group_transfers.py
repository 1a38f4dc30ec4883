"""Transfers to a Round Robin group: one member at a time in the group's turn, the next on
a decline or a timeout, back to the sender when nobody is left; and the group's setting."""

from __future__ import annotations

from sqlalchemy import select

from liveapp.extensions import db
from liveapp.models import Conversation, Group
from liveapp.services.chat import transfers
from tests.factories import GroupFactory
from tests.offers.conftest import channel
from tests.routing_jobs.conftest import run_scheduled, work
from tests.transfers.conftest import fresh
from tests.transfers.test_transfers import offer_ops


def test_a_round_robin_group_offers_one_member_at_a_time(job_app, chatting, team, signed_in,
                                                         record):
    ann, bob, cy = team["Ann"], team["Bob"], team["Cy"]
    sales = GroupFactory(name="Sales", distribution="round_robin")
    sales.members = [ann, bob, cy]
    db.session.commit()
    _, cid, ann_client = chatting()
    recorder = record(channel(ann), channel(bob), channel(cy))
    assert ann_client.post(f"/transfers/{cid}", {"to": f"group:{sales.id}"}).status_code == 303
    [first] = transfers.offered_to(cid)
    [second] = {bob.id, cy.id} - {first}
    users = {bob.id: bob, cy.id: cy}
    clients = {bob.id: signed_in(bob), cy.id: signed_in(cy)}
    assert f'id="transfer-{cid}"' not in clients[second].get("/offers/").get_data(as_text=True)
    # The first declines: the next member is offered it at once; Ann waits on.
    assert clients[first].post(f"/transfers/{cid}/decline", {"reason": "Busy"}).status_code \
        == 303
    assert transfers.offered_to(cid) == {second}
    assert transfers.pending(cid).tried == (first,)
    events = recorder.take()
    assert f'id="transfer-{cid}"' in offer_ops(events, channel(users[second]))
    assert "declined" not in offer_ops(events, channel(ann))
    # The second lets it run out (both timeouts run: the first offer's finds nothing):
    # nobody is left, the chat stays Ann's.
    assert len(run_scheduled()) == 2
    work()
    assert transfers.pending(cid) is None
    assert "Sales did not answer in time. The chat stays with you." in offer_ops(
        recorder.take(), channel(ann))
    assert fresh(Conversation, cid).rep_id == ann.id
    # The group's turn moved on: the next transfer to Sales starts after the last one.
    assert ann_client.post(f"/transfers/{cid}", {"to": f"group:{sales.id}"}).status_code == 303
    assert transfers.offered_to(cid) == {first}


def test_a_groups_distribution_is_an_admin_setting(as_admin, rep, app_ctx):
    page = as_admin.get("/settings/groups/new").get_data(as_text=True)
    assert 'value="round_robin"' in page and "Chats transferred to this group go to" in page
    saved = as_admin.post("/settings/groups/new", {"name": "Sales", "members": [rep.id],
                                                   "distribution": "round_robin"})
    assert saved.status_code == 303
    group = db.session.scalar(select(Group).where(Group.name == "Sales"))
    assert group.distribution == "round_robin"
    bad = as_admin.post(f"/settings/groups/{group.id}", {"name": "Renamed", "members": [rep.id],
                                                         "distribution": "lottery"})
    assert bad.status_code == 422 and "Not a valid choice" in bad.get_data(as_text=True)
    db.session.expire_all()
    assert (group.name, group.distribution) == ("Sales", "round_robin")
    # Groups made before default to First Available.
    assert GroupFactory().distribution == "first_available"


def test_a_group_outside_its_business_hours_takes_no_transfer(job_app, chatting, team):
    bob = team["Bob"]
    closed = GroupFactory(name="Sales EMEA", time_zone="UTC",
                          business_hours=[[] for _ in range(7)])  # closed every day
    closed.members = [bob]
    db.session.commit()
    _, cid, ann_client = chatting()
    refused = ann_client.post(f"/transfers/{cid}", {"to": f"group:{closed.id}"})
    assert refused.status_code == 422
    assert "Sales EMEA closed" in refused.get_data(as_text=True)
    assert transfers.pending(cid) is None
