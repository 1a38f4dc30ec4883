"""Scenario: the demo's simulated reps (liveapp.demo.reps) on the real stack, started as
`liveapp demo` starts them but with their delays compressed. A visitor asks for a rep in
the widget's flow; simulated Bob, alone at the Enterprise desk, accepts after the delay his
seeded temper drew, greets, and closes the chat after a quiet while; the reports' history
tables have the accepted offer and the conversation with Bob's messages. Then Eli, a real
rep at his board, hands a chat to Bob: simulated Bob takes it from his transfer prompt and
carries it on, and the visitor's widget says so."""

from __future__ import annotations

import random
import sys
import time
from html import escape

import pytest
from sqlalchemy import create_engine, text

from liveapp import simulated_clients
from liveapp.config import normalise_database_url
from liveapp.demo import rep_choices
from liveapp.demo.seeding import DEMO_USERS
from tests.scenarios import stack as stacks
from tests.scenarios.people import SIMULATOR_KEY, Rep, eventually, stranger
from tests.scenarios.settings import Admin, form_errors
from tests.scenarios.test_transfers import target

SPEED = 10.0  # the reps' delays, compressed: a 3-20 s accept takes 0.3-2 s
CAMPAIGN = {"utm_source": "scenario", "utm_medium": "cpc", "utm_campaign": "scn-simrep"}
BOB = next(user for user in DEMO_USERS if user.email.startswith("bob@"))
ELI = next(user for user in DEMO_USERS if user.email.startswith("eli@"))
ADMIN = next(user for user in DEMO_USERS if user.role == "admin")


def accepting_seed() -> tuple[int, float, str]:
    """A seed whose first decision for Bob accepts an offer, and whose first two for the
    chats handed to him accept then decline; the offer's delay in real seconds and the
    decline's reason (the decisions are the seed's: the test knows them as the rep will
    draw them)."""
    for seed in range(1000):
        offer = rep_choices.choose(random.Random(f"{seed} offers {BOB.email}"),
                                   rep_choices.Temper())
        handed = random.Random(f"{seed} transfers {BOB.email}")
        taken, declined = (rep_choices.choose_transfer(handed, rep_choices.Temper())
                           for _ in range(2))
        if (offer.action, taken.action, declined.action) == (
                rep_choices.ACCEPT, rep_choices.ACCEPT, rep_choices.DECLINE):
            return seed, offer.after / SPEED, declined.reason
    raise AssertionError("no seed accepts first")


SEED, DELAY, REASON = accepting_seed()


@pytest.fixture(scope="module")
def simulated_bob(stack):
    """Bob simulated, as the demo runs its reps (the simulator's key signs his address)."""
    env = {**stack.env, simulated_clients.KEY_VARIABLE: SIMULATOR_KEY}
    process = stacks._command("reps", [
        sys.executable, "-m", "liveapp.demo.reps", "--url", stack.url, "--reps", "bob",
        "--speed", str(SPEED), "--seed", str(SEED), "--no-pounce", "--verbose"], env, stack.folder)
    stack.processes.append(process)  # stopped with the stack; its log in failure reports
    eventually(lambda: "Bob Baker is at their board" in process.log.read_text(), 30,
               "simulated Bob at his board", show=process.tail)
    return process


def said_by(person, sender: str = "rep") -> list[str]:
    """The visitor's transcript, as their widget reads it: what `sender` wrote."""
    return [m["body"] for m in person.chat()["messages"] if m["sender"] == sender]


def history(stack, sql: str, **params) -> list:
    engine = create_engine(normalise_database_url(stack.env["DATABASE_URL"]))
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(sql), params))
    finally:
        engine.dispose()


def test_a_simulated_rep_accepts_a_widget_request_answers_and_closes(stack, simulated_bob,
                                                                     visitor):
    admin = Admin(stack.url, ADMIN.email, ADMIN.name)
    users = admin.page("/settings/users/")
    assert "Available (board open)" in users  # his stream is his presence
    rule = "Scenario: simulated desk"
    saved = admin.new_rule(rule, [("utm_campaign", "equals", "scn-simrep")],
                           route_to_groups=admin.option("/settings/routing/new", "Enterprise"),
                           distribution="first_available", when_nobody="queue")
    assert saved.status_code == 303, form_errors(saved.text)
    try:
        person = visitor()
        person.page_view("pricing", "Pricing", query=CAMPAIGN)
        person.start_heartbeats()
        person.asks_for_a_rep(stranger())  # Ann is not at her board: offered to Bob alone
        asked = time.monotonic()
        chat = eventually(lambda: (person.chat()["conversation"] or {}).get("rep"), 15,
                          "a rep accepting", interval=0.1)
        waited = time.monotonic() - asked
        assert chat == BOB.name
        assert DELAY - 0.1 <= waited <= DELAY + 8, (DELAY, waited)

        [greeting] = eventually(lambda: said_by(person), 10, "Bob's greeting")
        assert "Bob" in greeting
        sent = person.http.post("/t/v1/chat/messages",
                                json={"token": person.token, "body": "Do you support SSO?"})
        assert sent.status_code == 201, sent.text
        # Quiet for 3-9 s after the visitor's word (maybe an answer first): Bob closes.
        eventually(lambda: not person.chat()["conversation"], 30, "Bob closing the chat",
                   show=person.chat)

        bob_id = history(stack, "SELECT id FROM users WHERE email = :e", e=BOB.email)[0][0]
        offers = history(stack, "SELECT rep_id, outcome, answered_at FROM offers "
                                "WHERE visitor_id = :v", v=person.id)
        assert [(o.rep_id, o.outcome) for o in offers] == [(bob_id, "accepted")]
        assert offers[0].answered_at is not None
        [conversation] = history(stack, "SELECT id, rep_id, origin, closed_at "
                                        "FROM conversations WHERE visitor_id = :v", v=person.id)
        assert (conversation.rep_id, conversation.origin) == (bob_id, "inbound")
        assert conversation.closed_at is not None
        rep_lines = history(stack, "SELECT body FROM messages WHERE conversation_id = :c "
                                   "AND sender = 'rep' ORDER BY id", c=conversation.id)
        assert 1 <= len(rep_lines) <= 2 and rep_lines[0].body == greeting
    finally:
        admin.delete_rule(rule)
        admin.close()


def chatting_with_eli(eli: Rep, person) -> int:
    """The visitor asks for a rep, Eli (whom the rule routes them to) accepts and writes;
    the conversation's id."""
    person.page_view("pricing", "Pricing", query={**CAMPAIGN, "utm_campaign": "scn-simxfer"})
    person.start_heartbeats()
    person.asks_for_a_rep(stranger())
    eventually(lambda: eli.has_prompt(person), 15, "Eli's accept prompt")
    assert eli.accept(person).status_code == 201
    cid = person.chat()["conversation"]["id"]
    assert eli.post(f"/conversations/{cid}/messages",
                    {"body": "Hi, Eli here."}).status_code == 201
    return cid


def test_chats_a_real_rep_hands_to_a_simulated_rep_are_taken_or_declined(
        stack, simulated_bob, visitor):
    """Eli hands Bob a chat, which Bob takes and carries on, then another, which Bob
    declines with the reason his seed drew (his first two transfer decisions)."""
    admin = Admin(stack.url, ADMIN.email, ADMIN.name)
    eli = Rep(stack.url, ELI.email, ELI.name)  # signed in through the login form
    eli.open_board()
    rule = "Scenario: Eli hands over"
    saved = admin.new_rule(rule, [("utm_campaign", "equals", "scn-simxfer")],
                           route_to_users=admin.option("/settings/routing/new", ELI.name),
                           distribution="first_available", when_nobody="queue")
    assert saved.status_code == 303, form_errors(saved.text)
    try:
        person = visitor()
        cid = chatting_with_eli(eli, person)
        sent = eli.post(f"/transfers/{cid}", {"to": target(eli, cid, f"{BOB.name} (available)"),
                                              "note": "Wants the Enterprise plan"})
        assert sent.status_code == 201, sent.text
        # Bob's seeded first transfer decision accepts: his transfer prompt's Accept.
        eventually(lambda: (person.chat()["conversation"] or {}).get("rep") == BOB.name, 15,
                   "Bob taking the chat", interval=0.1, show=simulated_bob.tail)
        assert person.chat()["conversation"]["id"] == cid  # the same chat, Bob's now
        assert said_by(person, "system") == [f"{ELI.name} handed you to {BOB.name}"]
        eventually(lambda: len(said_by(person)) >= 2, 10, "Bob's greeting")
        first, greeting, *_ = said_by(person)
        assert (first, "Bob" in greeting) == ("Hi, Eli here.", True)
        eventually(lambda: eli.events("offer", mentioning=f"{BOB.name} accepted the chat."),
                   10, "Eli told that Bob accepted")
        assert f"Bob Baker: accept transfer-{cid}" in simulated_bob.log.read_text()
        # Bob carries it on as his own chats: quiet a while, he closes it.
        eventually(lambda: not person.chat()["conversation"], 30, "Bob closing the chat",
                   show=person.chat)
        bob_id = history(stack, "SELECT id FROM users WHERE email = :e", e=BOB.email)[0][0]
        [conversation] = history(stack, "SELECT rep_id, origin, closed_at FROM conversations "
                                        "WHERE visitor_id = :v", v=person.id)
        assert (conversation.rep_id, conversation.origin) == (bob_id, "inbound")
        assert conversation.closed_at is not None

        # The next chat Eli hands him, Bob declines: the chat stays Eli's, and he is told.
        other = visitor()
        cid = chatting_with_eli(eli, other)
        sent = eli.post(f"/transfers/{cid}", {"to": target(eli, cid, f"{BOB.name} (available)")})
        assert sent.status_code == 201, sent.text
        told = f"{BOB.name} declined{': ' + REASON if REASON else ''}. The chat stays with you."
        eventually(lambda: eli.events("offer", mentioning=escape(told)), 20,
                   "Eli told that Bob declined", show=simulated_bob.tail)
        assert f"Bob Baker: decline transfer-{cid}" in simulated_bob.log.read_text()
        assert other.chat()["conversation"]["rep"] == ELI.name
        assert said_by(other, "system") == []  # no hand-over in the visitor's transcript
        assert eli.post(f"/conversations/{cid}/messages",
                        {"body": "Still me."}).status_code == 201
    finally:
        admin.delete_rule(rule)
        admin.close()
        eli.close()
