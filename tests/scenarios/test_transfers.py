"""Scenarios: chat transfers on the real stack. Ann, chatting with one of her Salesforce
Contacts, hands the chat to the Enterprise group: Bob, the other member, is alerted and
accepts, and the visitor's widget and the transcript say so. Then she hands another chat
to Bob, who does not answer: after the transfer timeout (the worker's scheduler runs it)
the chat is still Ann's and she is told."""

from __future__ import annotations

import re
from html import unescape

from tests.scenarios.people import Rep, Visitor, eventually
from tests.scenarios.test_crm_routing import contacts_owned_by, routed_to

TRANSFER_TIMEOUT = 8  # seconds, shortened through the setting
STACK_SETTINGS = {"LIVEAPP_TRANSFER_TIMEOUT": str(TRANSFER_TIMEOUT)}


def chatting_with(team: dict[str, Rep], person: Visitor, email: str) -> int:
    """The visitor identifies as Ann's Contact, lands on her board, and she starts a chat;
    returns the conversation's id, as the visitor's widget reads it."""
    ann = team["ann"]
    person.page_view("contact", "Contact us")
    person.start_heartbeats()
    person.identify(email, form="contact")
    routed_to(team["admin"], person, ann, f"Salesforce Contact owner {ann.name}")
    assert ann.post(f"/conversations/claim/{person.id}", {"origin": "pounce"}).status_code == 201
    assert ann.post(f"/conversations/{person.chat()['conversation']['id']}/messages",
                    {"body": "Hi, Ann here."}).status_code == 201
    return person.chat()["conversation"]["id"]


def target(rep: Rep, conversation_id: int, label: str) -> str:
    """The transfer form's choice labelled `label` (e.g. "Bob Baker (available)")."""
    form = rep.page(f"/transfers/{conversation_id}")
    choices = {unescape(text): value for value, text in
               re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', form)}
    assert label in choices, choices
    return choices[label]


def test_a_chat_handed_to_a_group_is_accepted_by_its_other_member(team, visitor):
    ann, bob = team["ann"], team["bob"]
    person = visitor()
    [email, *_] = contacts_owned_by(ann.email)
    cid = chatting_with(team, person, email)
    group = target(ann, cid, "Enterprise (1 available)")  # Bob: Ann herself is not asked
    sent = ann.post(f"/transfers/{cid}", {"to": group, "note": "Asks about SSO"})
    assert sent.status_code == 201, sent.text
    # Bob's board is alerted live, and his prompts show it; Cara (another group) is not.
    eventually(lambda: bob.events("offer", mentioning=f'id="transfer-{cid}"'), 10,
               "Bob's transfer prompt, live")
    assert "Asks about SSO" in bob.prompts()
    assert f'id="transfer-{cid}"' not in team["cara"].prompts()
    assert bob.post(f"/transfers/{cid}/accept").status_code == 201
    # The visitor's widget: Bob now, and the hand-over in the transcript.
    chat = person.chat()
    assert chat["conversation"]["rep"] == bob.name
    assert [m["body"] for m in chat["messages"]] == [
        "Hi, Ann here.", f"{ann.name} handed you to {bob.name}"]
    # Ann is told; the admin's card says Bob is chatting; Bob writes, Ann no longer can.
    eventually(lambda: ann.events("offer", mentioning=f"{bob.name} accepted the chat."), 10,
               "Ann told that Bob accepted")
    eventually(lambda: bob.name in (team["admin"].card(person) or ""), 10,
               "the admin's card naming Bob")
    assert bob.post(f"/conversations/{cid}/messages", {"body": "Bob here."}).status_code == 201
    assert ann.post(f"/conversations/{cid}/messages", {"body": "Still me"}).status_code == 404


def test_a_transfer_nobody_answers_comes_back_to_the_sender(team, visitor):
    ann, bob = team["ann"], team["bob"]
    person = visitor()
    [*_, email] = contacts_owned_by(ann.email)
    cid = chatting_with(team, person, email)
    sent = ann.post(f"/transfers/{cid}", {"to": target(ann, cid, f"{bob.name} (available)")})
    assert sent.status_code == 201, sent.text
    eventually(lambda: f'id="transfer-{cid}"' in bob.prompts(), 10, "Bob's transfer prompt")
    # Nobody answers: the worker's scheduler runs the timeout, the chat stays Ann's.
    eventually(lambda: ann.events("offer", mentioning="did not answer in time"),
               TRANSFER_TIMEOUT + 20, "Ann told the transfer timed out")
    assert f'id="transfer-{cid}"' not in bob.prompts()
    assert bob.post(f"/transfers/{cid}/accept").status_code == 403
    assert person.chat()["conversation"]["rep"] == ann.name
    assert ann.post(f"/conversations/{cid}/messages", {"body": "Still here."}).status_code == 201
