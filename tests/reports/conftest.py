"""A hand-built history across two days in Europe/Berlin and its DST change (2026-03-29,
01:00 UTC: +01:00 -> +02:00): two sites, two streams, two rules, two reps (Alice in
Group One and Group Two, Bob in Group Two), with rows just outside the range on both
sides. The expected figures in the tests are counted by hand from this file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pytest

from liveapp.extensions import db
from liveapp.models.conversation import Conversation, Message
from liveapp.models.history import Offer, RoutingRecord, RoutingSkip, VisitorHour
from liveapp.models.meeting import Meeting
from liveapp.models.site import Site
from liveapp.models.visitor import Visitor
from liveapp.services.reports import Filters
from tests.factories import GroupFactory, RoutingRuleFactory, StreamFactory, UserFactory

TZ = "Europe/Berlin"
START, END = date(2026, 3, 28), date(2026, 3, 29)  # UTC [03-27 23:00, 03-29 22:00)


def at(text: str) -> datetime:
    """'28 09:00:10' -> 2026-03-28 09:00:10 (naive UTC)."""
    day, clock = text.split()
    parts = [int(p) for p in clock.split(":")] + [0]
    return datetime(2026, 3, int(day), parts[0], parts[1], parts[2])


@dataclass
class World:
    s1: int
    s2: int
    a: int  # stream A
    b: int  # stream B
    r1: int
    r2: int
    alice: object
    bob: object
    admin: object
    g1: int
    g2: int

    def filters(self, **kwargs) -> Filters:
        return Filters(start=kwargs.pop("start", START), end=kwargs.pop("end", END),
                       tz=kwargs.pop("tz", TZ), **kwargs)


@pytest.fixture
def world(app_ctx) -> World:
    s1, s2 = Site(name="Main"), Site(name="Docs")
    db.session.add_all([s1, s2])
    db.session.commit()
    a, b = StreamFactory(name="Stream A"), StreamFactory(name="Stream B")
    r1, r2 = RoutingRuleFactory(name="Rule One"), RoutingRuleFactory(name="Rule Two")
    alice = UserFactory(name="Alice", email="alice@example.com")
    bob = UserFactory(name="Bob", email="bob@example.com")
    admin = UserFactory(name="Ada", email="ada@example.com", role="admin")
    g1 = GroupFactory(name="Group One", members=[alice])
    g2 = GroupFactory(name="Group Two", members=[alice, bob])
    w = World(s1.id, s2.id, a.id, b.id, r1.id, r2.id, alice, bob, admin, g1.id, g2.id)
    _visitors(w)
    _routing(w)
    _chats(w)
    db.session.commit()
    return w


def _visitors(w: World) -> None:
    for vid, site in [("v1", w.s1), ("v2", w.s1), ("v3", w.s1), ("v4", w.s2),
                      ("vout", w.s1)]:
        db.session.add(Visitor(id=vid, site_id=site))
    db.session.flush()
    acme = {"company_domain": "acme.com", "company_name": "Acme", "target": True}
    beta = {"company_domain": "beta.io", "company_name": "Beta", "target": False}
    rows = [
        ("v1", w.s1, "27 23:00", w.a, False, acme),  # Berlin 28 00:00: day 28
        ("v1", w.s1, "28 22:00", w.a, True, acme),  # 28 23:00 (+1): day 28
        ("v1", w.s1, "28 23:00", w.a, False, acme),  # 29 00:00 (+1): day 29
        ("v2", w.s1, "29 21:00", w.b, True, beta),  # 29 23:00 (+2): day 29
        ("v2", w.s1, "29 22:00", w.b, True, beta),  # 30 00:00: out of range
        ("v3", w.s1, "28 10:00", 0, False, {}),  # no stream
        ("v3", w.s1, "28 10:00", w.a, False, acme),  # the same hour, in stream A
        ("v4", w.s2, "29 12:00", w.b, True, acme),
        ("vout", w.s1, "27 22:00", w.a, True, acme),  # 27 23:00: out of range
    ]
    for vid, site, hour, stream, identified, company in rows:
        db.session.add(VisitorHour(visitor_id=vid, site_id=site, hour=at(hour),
                                   stream_id=stream, identified=identified, **company))


def _routing(w: World) -> None:
    decisions = {
        "d1": ("28 09:00", "v1", w.s1, w.a, w.r1, "owner", True, True),
        "d2": ("28 10:00", "v3", w.s1, w.a, w.r1, "group", False, False),
        "d3": ("29 12:00", "v4", w.s2, w.b, w.r2, "queue", True, False),
        "d4": ("29 21:30", "v2", w.s1, w.b, None, "nobody", False, False),
        "d5": ("29 12:30", "v4", w.s2, w.b, w.r2, "owner", True, True),
        "dout": ("29 22:30", "v2", w.s1, w.b, w.r1, "owner", True, True),
    }
    ids = {}
    for key, (when, vid, site, stream, rule, outcome, known, routed) in decisions.items():
        row = RoutingRecord(decided_at=at(when), visitor_id=vid, site_id=site,
                            stream_id=stream, trigger="inbound", rule_id=rule,
                            rule_name={w.r1: "Rule One", w.r2: "Rule Two"}.get(rule),
                            outcome=outcome, owner_known=known, owner_routed=routed)
        db.session.add(row)
        db.session.flush()
        ids[key] = row
    alice, bob = w.alice.id, w.bob.id
    for key, rep, reason in [("d2", bob, "away"), ("d3", alice, "away"),
                             ("d3", bob, "at capacity"), ("d4", alice, "away"),
                             ("d4", bob, "outside working hours"), ("dout", bob, "away")]:
        db.session.add(RoutingSkip(decision_id=ids[key].id, decided_at=ids[key].decided_at,
                                   rep_id=rep, reason=reason))
    for key, offer, rep, offered, answered, outcome in [
            ("d1", "k1", alice, "28 09:00:00", "28 09:00:10", "accepted"),
            ("d2", "k2", alice, "28 10:00:00", "28 10:00:30", "accepted"),
            ("d2", "k2", bob, "28 10:00:00", "28 10:00:30", "taken"),
            ("d3", "k3", bob, "29 12:00:00", "29 12:00:20", "declined"),
            ("d3", "k3", alice, "29 12:00:00", None, "timeout"),
            ("d5", "k5", bob, "29 12:30:00", "29 12:30:40", "accepted"),
            ("dout", "kout", alice, "29 22:30:00", "29 22:30:05", "accepted")]:
        d = ids[key]
        db.session.add(Offer(offer_key=offer, decision_id=d.id, visitor_id=d.visitor_id,
                             rep_id=rep, trigger="inbound", offered_at=at(offered),
                             answered_at=answered and at(answered), outcome=outcome))


def _chats(w: World) -> None:
    alice, bob = w.alice.id, w.bob.id
    chats = [  # visitor, rep, origin, started, closed, messages (sender, at)
        ("v1", alice, "inbound", "28 09:00:15", "28 09:20",
         [("visitor", "28 09:00:20"), ("rep", "28 09:00:50"), ("rep", "28 09:01:00")]),
        ("v3", alice, "pounce", "28 10:00:40", "28 10:30",
         [("rep", "28 10:05:00"), ("visitor", "28 10:06:00"), ("rep", "28 10:06:20"),
          ("visitor", "28 10:07:00")]),
        ("v4", bob, "inbound", "29 12:30:45", "29 13:00",
         [("bot", "29 12:30:50"), ("visitor", "29 12:31:00"), ("rep", "29 12:32:00"),
          ("system", "29 13:00:00")]),
        ("v2", bob, "inbound", "29 21:40", None, [("visitor", "29 21:41")]),
        ("v1", alice, "pounce", "28 22:30", "28 22:40", [("rep", "28 22:30:10")]),
        ("v2", bob, "inbound", "27 22:00", "27 22:10",  # 27 23:00 Berlin: out of range
         [("visitor", "27 22:00:10"), ("rep", "27 22:00:30")]),
    ]
    for vid, rep, origin, started, closed, messages in chats:
        chat = Conversation(visitor_id=vid, rep_id=rep, origin=origin, started_at=at(started),
                            closed_at=closed and at(closed),
                            status="open" if closed is None else "closed")
        db.session.add(chat)
        db.session.flush()
        for sender, sent in messages:
            db.session.add(Message(conversation_id=chat.id, sender=sender, body="hi",
                                   rep_id=rep if sender == "rep" else None, sent_at=at(sent)))
    for vid, rep, created, status, starts in [
            ("v4", bob, "30 10:00", "booked", "31 09:00"),  # 21 h after its chat closed
            ("v2", bob, "29 21:50", "booked", "31 10:00"),  # during the open chat
            ("v1", alice, "29 23:00", "booked", "31 11:00"),  # > 24 h after; out of range
            ("v1", alice, "28 09:10", "cancelled", "31 12:00")]:
        db.session.add(Meeting(visitor_id=vid, rep_id=rep, created_at=at(created),
                               status=status, starts_at=at(starts), ends_at=at(starts)))
