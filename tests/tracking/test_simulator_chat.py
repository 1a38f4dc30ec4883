"""Simulated visitors use the chat widget's public API: the flow's answers (pure), and a
journey that asks for a rep and answers the rep's message over real HTTP."""

from __future__ import annotations

import json
import random
import threading
import time

import pytest
from sqlalchemy import select

from liveapp.demo import chat_visitor, simulator, visitors
from liveapp.demo.seeding import DEMO_SITE_NAME
from liveapp.demo.streams import PRICING_FLOW, seed_streams
from liveapp.domain.flows import parse_flow
from liveapp.domain.widget import check_answer
from liveapp.extensions import db, redis
from liveapp.models import Meeting, Message, Visitor
from liveapp.services.chat import chat_flow, conversations
from liveapp.services.routing import assignments, router
from liveapp.services.settings import sites
from tests.browser.helpers import eventually
from tests.tracking.test_simulator import SIMULATOR_KEY

EMAIL = "pat.lee@acme-anvils.example"


def test_visitors_mostly_click_the_button_that_asks_for_a_person():
    [_, _, buttons, email, *_] = PRICING_FLOW
    picks = [visitors.pick_answer(buttons, EMAIL, random.Random(seed)) for seed in range(200)]
    assert set(picks) == {"Talk to sales", "Just browsing"}
    assert 140 < picks.count("Talk to sales") < 200
    assert visitors.pick_answer(email, EMAIL, random.Random(1)) == EMAIL


def test_answers_are_ones_the_flow_takes():
    steps = parse_flow([
        {"type": "question", "text": "", "question": "company_size"},
        {"type": "question", "text": "", "question": "industry"},
        {"type": "buttons", "text": "Pick", "buttons": [{"label": "Docs", "target": "end"},
                                                       {"label": "Book a demo"}]},
    ])
    for seed in range(50):
        rng = random.Random(seed)
        answers: dict[int, str] = {}
        for index, step in enumerate(steps):
            value = visitors.pick_answer(step.to_dict(), EMAIL, rng)
            check_answer(steps, answers, index, value)  # raises BadAnswer when refused
            answers[index] = value
    assert visitors.pick_answer({"type": "buttons", "buttons": []}, EMAIL,
                                 random.Random(1)) is None


def test_replies_are_varied_b2b_questions_then_a_thank_you():
    rng = random.Random(5)
    firsts = {visitors.pick_reply(0, rng) for _ in range(40)}
    middles = {visitors.pick_reply(1, rng) for _ in range(40)}
    lasts = {visitors.pick_reply(visitors.MAX_REPLIES - 1, rng) for _ in range(40)}
    assert len(firsts) > 5 and len(middles) > 5 and len(lasts) > 1
    assert all("{" not in reply and 0 < len(reply) < 300 for reply in firsts | middles | lasts)
    assert any("seats" in reply for reply in firsts)
    assert any("SSO" in reply for reply in middles) and any("Salesforce" in r for r in middles)
    assert lasts <= set(visitors.LAST_REPLIES)


@pytest.fixture
def demo(app_ctx, live_server, monkeypatch):
    """The demo site and its Pricing Page experience, served honouring the simulator's
    signed company addresses like the demo's web process."""
    monkeypatch.setitem(app_ctx.config, "SIMULATOR_KEY", SIMULATOR_KEY)
    site = sites.save_site(None, name=DEMO_SITE_NAME, allowed_origins=[live_server])
    seed_streams()
    return site


def decision(outcome: str, at: float, offer_to=()) -> dict:
    """A routing history entry as `router.apply` writes it (see tests/meetings)."""
    return {"outcome": outcome, "rule_id": None, "rule_name": "Test rule",
            "mode": "round_robin", "step": "users", "candidates": list(offer_to),
            "offer_to": list(offer_to), "offer_timeout_seconds": 20, "trace": [],
            "summary": "", "trigger": "inbound", "at": at}


def _simulate(live_server: str, key: str, seed: int, done: dict) -> threading.Thread:
    """One journey with the chat at 40x speed, in a thread; its Stats land in `done`."""
    thread = threading.Thread(daemon=True, target=lambda: done.update(stats=simulator.run(
        live_server, key, visitors=1, rate=50, speed=40, total=1, seed=seed,
        startup_timeout=5, chat_share=1, simulator_key=SIMULATOR_KEY)))
    thread.start()
    return thread


def _inbound_visitor() -> str | None:
    for visitor_id in db.session.scalars(select(Visitor.id)):
        if redis.client.hget(router.state_key(visitor_id), "trigger") == b"inbound":
            return visitor_id
    return None


@pytest.mark.timeout(120)
def test_a_simulated_visitor_asks_for_a_rep_and_answers_them(demo, live_server, rep,
                                                             monkeypatch):
    monkeypatch.setattr(chat_visitor, "WAIT_FOR_REP", 800.0)  # ample time to claim it
    done: dict = {}
    # Seed 42: one journey, straight to the pricing page; it chooses "Talk to sales".
    thread = _simulate(live_server, demo.site_key, 42, done)
    try:
        visitor_id = eventually(_inbound_visitor, timeout=30)
        assert visitor_id, "no inbound chat request reached routing"
        visitor = eventually(lambda: (v := db.session.get(Visitor, visitor_id)) and v.email
                             and v)
        assert visitor.ip.split(".")[0] != "127"  # the company's address, forwarded
        answers = chat_flow.load(visitor_id)["answers"]
        assert answers == {"2": "Talk to sales", "3": visitor.email}

        conversation = conversations.claim(visitor_id, rep, "inbound")
        conversations.post(conversation, "rep", "Hi, I'm Rita. What can I help with?", rep=rep)
        reply = eventually(lambda: db.session.scalar(select(Message).where(
            Message.conversation_id == conversation.id, Message.sender == "visitor")),
            timeout=30)
        assert reply is not None, "the simulated visitor never answered the rep"
        assert reply.body
        conversations.close(db.session.merge(conversation))  # the visitor then leaves
    finally:
        thread.join(timeout=60)
    assert not thread.is_alive()
    stats = done["stats"]
    assert (stats.journeys, stats.chat_requests, stats.chat_messages) == (1, 1, 1)
    assert stats.chat_errors == stats.errors == stats.chat_throttled == 0
    assert set(stats.statuses) == {202}



@pytest.mark.timeout(120)
@pytest.mark.parametrize(("seed", "books"), [(42, True), (120, False)])
def test_a_simulated_visitor_at_the_meeting_booker_books_or_leaves(demo, live_server, rep,
                                                                   monkeypatch, seed, books):
    monkeypatch.setattr(chat_visitor, "WAIT_FOR_REP", 800.0)
    done: dict = {}
    thread = _simulate(live_server, demo.site_key, seed, done)
    try:
        visitor_id = eventually(_inbound_visitor, timeout=30)
        assert visitor_id, "no inbound chat request reached routing"
        # Routing offered it to the rep, who let it time out: the meeting booker.
        now = time.time()
        for entry in (decision("offer", now, offer_to=[rep.id]),
                      decision("meeting_booker", now + 1)):
            redis.client.lpush(router.history_key(visitor_id), json.dumps(entry))
        assignments.save(visitor_id, assignments.Assignment(
            rule_name="Test rule", mode="round_robin", outcome="meeting_booker",
            trigger="inbound"))
    finally:
        thread.join(timeout=60)
    assert not thread.is_alive()  # booked or not, the visitor left at the end of its journey
    stats = done["stats"]
    assert stats.chat_requests == 1 and stats.chat_errors == stats.chat_messages == 0
    db.session.expire_all()
    meetings = db.session.scalars(select(Meeting)).all()
    assert stats.chat_bookings == len(meetings) == (1 if books else 0)
    if books:
        [meeting] = meetings
        visitor = db.session.get(Visitor, visitor_id)
        assert (meeting.visitor_id, meeting.rep_id) == (visitor_id, rep.id)
        assert meeting.email == visitor.email and meeting.email


@pytest.mark.timeout(120)
def test_a_simulated_visitor_who_is_just_browsing_asks_for_nobody(demo, live_server, rep):
    """A flow whose only button ends it: the visitor clicks it, and no request follows."""
    from liveapp.models import Experience
    from liveapp.services.membership import experiences

    pricing = db.session.scalar(select(Experience).where(Experience.name == "Pricing Page"))
    flow = [dict(s) for s in pricing.flow]
    flow[2]["buttons"] = [{"label": "Just browsing", "target": "end"}]
    experiences.save_experience(pricing, name=pricing.name, active=True, audience=[],
                                targeting=pricing.targeting, flow=flow)
    done: dict = {}
    _simulate(live_server, demo.site_key, 42, done).join(timeout=90)
    stats = done["stats"]
    assert stats.journeys == 1 and stats.chat_requests == 0
    assert stats.chat_errors == stats.errors == stats.chat_throttled == 0
    answered = [chat_flow.load(v) for v in db.session.scalars(select(Visitor.id))]
    assert [a["answers"] for a in answered if a] == [{"2": "Just browsing"}]
    assert _inbound_visitor() is None
