"""Chat transfers over HTTP: handing a chat to a rep or a group, accepting (one receiver
wins), declining and timing out (back to the sender), who may, and bad input."""

from __future__ import annotations

import json

from liveapp.infra import realtime
from liveapp.models import Conversation
from liveapp.services.chat import conversations, transfer_store, transfers
from liveapp.services.routing import assignments
from tests.factories import GroupFactory
from tests.offers.conftest import channel
from tests.routing_jobs.conftest import run_scheduled, work
from tests.transfers.conftest import fresh

HX = {"HX-Request": "true"}


def offer_ops(events, chan) -> str:
    return "".join(data for c, event, data in events if c == chan and event == "offer")


def test_ann_hands_the_chat_to_bob_who_accepts(job_app, chatting, team, signed_in, record):
    ann, bob = team["Ann"], team["Bob"]
    vid, cid, ann_client = chatting(name="Vera Visitor")
    recorder = record(channel(ann), channel(bob), realtime.visitor_channel(vid))
    form = ann_client.get(f"/transfers/{cid}").get_data(as_text=True)
    assert f'value="rep:{bob.id}"' in form and "Bob Rep (available)" in form
    assert f'value="rep:{ann.id}"' not in form  # not to herself
    started = ann_client.post(f"/transfers/{cid}", {"to": f"rep:{bob.id}",
                                                   "note": "Wants <b>enterprise</b> pricing"},
                              headers=HX)
    assert started.status_code == 201 and "Waiting for <b>Bob Rep</b>" in started.get_data(
        as_text=True)
    # Bob's prompt: on top of his prompts, with the note (escaped), and on his board's load.
    prompt = offer_ops(recorder.take(), channel(bob))
    assert f'id="transfer-{cid}"' in prompt and "afterbegin:#offers-list" in prompt
    assert "Wants &lt;b&gt;enterprise&lt;/b&gt; pricing" in prompt and "data-alert=" in prompt
    bob_client = signed_in(bob)
    assert f'id="transfer-{cid}"' in bob_client.get("/").get_data(as_text=True)
    assert f'id="transfer-{cid}"' in bob_client.get("/offers/").get_data(as_text=True)

    accepted = bob_client.post(f"/transfers/{cid}/accept", headers=HX)
    assert accepted.status_code == 201
    conversation = fresh(Conversation, cid)
    assert conversation.rep_id == bob.id and conversation.status == "open"
    assert [m.body for m in conversation.messages if m.sender == "system"] == [
        "Ann Rep handed you to Bob Rep"]
    assert assignments.get(vid).claimed_by == bob.id
    assert conversations.open_chats(ann.id) == 0 and conversations.open_chats(bob.id) == 1
    assert transfers.pending(cid) is None
    events = recorder.take()
    widget = [(event, json.loads(data)) for c, event, data in events
              if c == realtime.visitor_channel(vid)]
    assert ("conversation", {"id": cid, "rep": "Bob Rep", "status": "open"}) in widget
    assert any(e == "message" and d["body"] == "Ann Rep handed you to Bob Rep"
               for e, d in widget)
    assert "Bob Rep accepted the chat." in offer_ops(events, channel(ann))
    assert f'id="transfer-{cid}" hx-swap-oob="delete"' in offer_ops(events, channel(bob))
    # Bob now writes in the chat; Ann no longer may, and her view of it closed.
    assert bob_client.post(f"/conversations/{cid}/messages", {"body": "Hi, Bob here"}
                           ).status_code == 303
    assert ann_client.post(f"/conversations/{cid}/messages", {"body": "x"}).status_code == 404
    chat = ann_client.get(f"/board/visitors/{vid}").get_data(as_text=True)
    assert "Bob Rep is already chatting with this visitor." in chat
    assert "Ann Rep handed the chat to Bob Rep" in bob_client.get(
        f"/board/visitors/{vid}").get_data(as_text=True)


def test_who_may_transfer_and_accept(job_app, chatting, team, signed_in, admin):
    ann, bob, cy = team["Ann"], team["Bob"], team["Cy"]
    _, cid, ann_client = chatting()
    cy_client = signed_in(cy)
    assert cy_client.get(f"/transfers/{cid}").status_code == 404  # not Cy's chat
    assert cy_client.post(f"/transfers/{cid}", {"to": f"rep:{bob.id}"}).status_code == 404
    assert transfers.pending(cid) is None
    # No CSRF token: refused, nothing written.
    assert ann_client.client.post(f"/transfers/{cid}", data={"to": f"rep:{bob.id}"}
                                  ).status_code == 400
    assert transfers.pending(cid) is None
    # An admin may hand a rep's chat on; the chat is still Ann's until Bob answers.
    boss = signed_in(admin)
    assert boss.post(f"/transfers/{cid}", {"to": f"rep:{bob.id}"}).status_code == 303
    assert transfers.pending(cid).from_rep == ann.id
    # Only Bob may answer it.
    assert cy_client.post(f"/transfers/{cid}/accept").status_code == 403
    assert cy_client.post(f"/transfers/{cid}/decline").status_code == 403
    assert ann_client.post(f"/transfers/{cid}/accept").status_code == 403
    assert fresh(Conversation, cid).rep_id == ann.id
    # Declining needs the CSRF token too.
    assert signed_in(bob).client.post(f"/transfers/{cid}/decline").status_code == 400
    assert transfers.offered_to(cid) == {bob.id}


def test_bad_input_is_refused_and_writes_nothing(job_app, chatting, team, make_rep,
                                                 signed_in):
    ann, bob, cy = team["Ann"], team["Bob"], team["Cy"]
    _, cid, ann_client = chatting()
    cy.availability = "away"
    bob.max_concurrent_chats = 0
    from liveapp.extensions import db

    db.session.commit()
    empty = GroupFactory(name="Night shift")
    empty.members = [cy]
    db.session.commit()
    cases = {
        "": "Choose a rep or a group",
        "rep:abc": "Choose a rep or a group",
        "team:1": "Choose a rep or a group",
        "rep:999999": "That rep does not exist.",
        "group:999999": "That group does not exist.",
        f"rep:{ann.id}": "Ann Rep already has this chat.",
        f"rep:{cy.id}": "Cy Rep cannot take a chat now: is away.",
        f"rep:{bob.id}": "Bob Rep cannot take a chat now: is at their chat limit (0/0).",
        f"group:{empty.id}": "Nobody in Night shift can take a chat now (Cy Rep is away).",
    }
    for target, error in cases.items():
        response = ann_client.post(f"/transfers/{cid}", {"to": target, "note": "x"},
                                   headers=HX)
        assert response.status_code == 422, target
        assert error in response.get_data(as_text=True), target
    carol = make_rep(name="Carol Rep", email="carol@example.com")
    too_long = ann_client.post(f"/transfers/{cid}", {"to": f"rep:{carol.id}",
                                                    "note": "n" * 501}, headers=HX)
    assert too_long.status_code == 422 and "at most 500 characters" in too_long.get_data(
        as_text=True)
    assert transfers.pending(cid) is None and transfer_store.pending_for(carol.id) == []
    # One transfer at a time: a second one while the first waits is refused.
    assert ann_client.post(f"/transfers/{cid}", {"to": f"rep:{carol.id}"}).status_code == 303
    again = ann_client.post(f"/transfers/{cid}", {"to": f"rep:{carol.id}"}, headers=HX)
    assert again.status_code == 422 and "already waiting for an answer" in again.get_data(
        as_text=True)
    # A reason too long is refused too, and the transfer still waits.
    long_reason = signed_in(carol).post(f"/transfers/{cid}/decline", {"reason": "r" * 201})
    assert long_reason.status_code == 422 and transfers.offered_to(cid) == {carol.id}


def test_a_group_transfer_goes_to_the_first_who_accepts(job_app, chatting, team, live_server,
                                                         app_ctx):
    import re
    import threading

    import httpx

    from liveapp.extensions import db
    from tests.factories import PASSWORD

    ann, bob, cy = team["Ann"], team["Bob"], team["Cy"]
    sales = GroupFactory(name="Sales")
    sales.members = [ann, bob, cy]
    db.session.commit()
    _, cid, ann_client = chatting()
    assert ann_client.post(f"/transfers/{cid}", {"to": f"group:{sales.id}",
                                                "note": "Needs a demo"}).status_code == 303
    assert transfers.offered_to(cid) == {bob.id, cy.id}  # not back to Ann

    def signed_in_over_http(user):
        client = httpx.Client(base_url=live_server, timeout=30)
        page = client.get("/auth/login").text
        token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        client.post("/auth/login", data={"email": user.email, "password": PASSWORD,
                                         "csrf_token": token})
        board = client.get("/").text
        assert f'id="transfer-{cid}"' in board
        return client, re.search(r'name="csrf-token" content="([^"]+)"', board).group(1)

    clients = [signed_in_over_http(bob), signed_in_over_http(cy)]
    barrier, codes = threading.Barrier(2), []

    def accept(client, token):
        barrier.wait(timeout=10)
        codes.append(client.post(f"/transfers/{cid}/accept",
                                 headers={"HX-Request": "true", "X-CSRFToken": token}
                                 ).status_code)

    threads = [threading.Thread(target=accept, args=c) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    for client, _ in clients:
        client.close()
    assert sorted(codes) in ([201, 403], [201, 409]), codes
    conversation = fresh(Conversation, cid)
    assert conversation.rep_id in (bob.id, cy.id)
    assert [m.sender for m in conversation.messages].count("system") == 1
    assert conversations.open_chats(ann.id) == 0


def test_a_decline_gives_the_chat_back(job_app, chatting, team, signed_in, record, make_rep):
    ann, bob, cy = team["Ann"], team["Bob"], team["Cy"]
    _, cid, ann_client = chatting()
    sales = GroupFactory(name="Sales")
    sales.members = [bob, cy]
    from liveapp.extensions import db

    db.session.commit()
    recorder = record(channel(ann), channel(bob), channel(cy))
    assert ann_client.post(f"/transfers/{cid}", {"to": f"group:{sales.id}"}).status_code == 303
    recorder.take()
    bob_client, cy_client = signed_in(bob), signed_in(cy)
    # One of two declines: still offered to Cy, Ann is not told yet.
    assert bob_client.post(f"/transfers/{cid}/decline", {"reason": "Lunch"},
                           headers=HX).get_data(as_text=True) == ""
    assert transfers.offered_to(cid) == {cy.id}
    events = recorder.take()
    assert f'id="transfer-{cid}" hx-swap-oob="delete"' in offer_ops(events, channel(bob))
    assert offer_ops(events, channel(ann)) == ""
    assert cy_client.post(f"/transfers/{cid}/decline", {"reason": "In a <call>"}
                          ).status_code == 303
    events = recorder.take()
    told = offer_ops(events, channel(ann))
    assert "Cy Rep declined: In a &lt;call&gt;. The chat stays with you." in told
    # Ann's chat panel shows it and offers to transfer again (pushed to her detail page).
    assert any(c == channel(ann) and e == f"visitor-{fresh(Conversation, cid).visitor_id}"
               and 'id="chat-transfer-' in d for c, e, d in events)
    assert transfers.pending(cid) is None and fresh(Conversation, cid).rep_id == ann.id
    assert bob_client.post(f"/transfers/{cid}/accept").status_code == 403
    # She may try someone else now.
    carol = make_rep(name="Carol Rep", email="carol@example.com")
    assert ann_client.post(f"/transfers/{cid}", {"to": f"rep:{carol.id}"}).status_code == 303


def test_a_transfer_nobody_answers_times_out_back_to_the_sender(job_app, chatting, team,
                                                                 signed_in, record):
    ann, bob = team["Ann"], team["Bob"]
    _, cid, ann_client = chatting()
    recorder = record(channel(ann), channel(bob))
    assert ann_client.post(f"/transfers/{cid}", {"to": f"rep:{bob.id}"}).status_code == 303
    pending = transfers.pending(cid)
    recorder.take()
    # The timeout is a scheduled job (RQ's scheduler in the worker's clock moves it onto
    # its queue when due): run it as if due now.
    assert run_scheduled()
    work()
    assert transfers.pending(cid) is None
    events = recorder.take()
    assert "Bob Rep did not answer in time. The chat stays with you." in offer_ops(
        events, channel(ann))
    assert f'id="transfer-{cid}" hx-swap-oob="delete"' in offer_ops(events, channel(bob))
    assert signed_in(bob).post(f"/transfers/{cid}/accept").status_code == 403
    assert fresh(Conversation, cid).rep_id == ann.id
    # Run twice (a retry, a second worker): nothing more happens.
    assert transfers.timed_out(cid, pending.id) is False


def test_a_receiver_at_their_chat_limit_cannot_accept(job_app, chatting, team, signed_in):
    ann, bob = team["Ann"], team["Bob"]
    _, cid, ann_client = chatting()
    assert ann_client.post(f"/transfers/{cid}", {"to": f"rep:{bob.id}"}).status_code == 303
    from liveapp.extensions import db

    bob.max_concurrent_chats = 0  # an admin lowered it meanwhile
    db.session.commit()
    refused = signed_in(bob).post(f"/transfers/{cid}/accept", headers=HX)
    assert refused.status_code == 409
    assert "You already have 0 open chats" in refused.get_data(as_text=True)
    assert fresh(Conversation, cid).rep_id == ann.id and transfers.offered_to(cid) == {bob.id}
