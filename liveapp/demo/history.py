"""Demo history: three weeks of made-up past traffic, so the Reports page has shape from
the demo's first minute (the simulator's live traffic adds to it as it runs).

Seeded once, at `liveapp demo` / `seed-demo` start, in bulk inserts (a second or two):
visitors of the demo companies (traits ``{"demo": "history"}``, ids derived from a fixed
namespace, so a restart finds them and seeds nothing), the hours they were seen and in
which stream, routing decisions with the reps they skipped, offers and how they ended,
the chats that followed with their messages, and meetings. Weekdays in working hours
(UTC) are busier than nights and weekends. Only the demo does this: it is not data a
deployment ever gets.
"""

from __future__ import annotations

import csv
import random
import uuid
from datetime import datetime, timedelta

from sqlalchemy import insert, select

from liveapp.extensions import db
from liveapp.models import Conversation, Meeting, Message, RoutingRule, Stream, User, Visitor
from liveapp.models.history import Offer, RoutingRecord, RoutingSkip, VisitorHour
from liveapp.models.user import utcnow
from liveapp.services.reports import stale

DAYS = 21
NAMESPACE = uuid.UUID("5b0f7e8a-4f0e-4c39-9a0e-19d3a0c0f019")  # issue 19
SKIP_REASONS = ("away", "offline", "at their chat limit", "outside working hours",
                "already declined or missed this visitor")
# Each rule's outcomes (reports' words, with the step) and how often.
OUTCOMES = {
    "first_available": [("sender", "outreach", 5), ("owner", "salesforce_owner", 3),
                        ("group", "fallback", 3), ("booker", None, 1)],
    "round_robin": [("owner", "salesforce_owner", 4), ("group", "route_to", 5),
                    ("booker", None, 1)],
    "balanced": [("sender", "outreach", 1), ("owner", "salesforce_owner", 2),
                 ("group", "route_to", 7), ("queue", None, 1), ("nobody", None, 1)],
}
LINES = ("Hi! Do you have a plan for teams of 50?", "Happy to help: what are you using today?",
         "We're on spreadsheets, honestly.", "Then Team fits: want a quick demo?",
         "Sure, Thursday works.", "Booked: you'll get an invite.")


def visitor_id(n: int) -> str:
    return str(uuid.uuid5(NAMESPACE, f"demo-history-{n}"))


def seeded() -> bool:
    return db.session.get(Visitor, visitor_id(0)) is not None


def _companies(path) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def _moment(rng: random.Random, day: datetime) -> datetime:
    """A time in `day`, mostly in working hours (UTC)."""
    hour = int(rng.triangular(6, 20, 13)) if rng.random() < 0.85 else rng.randrange(24)
    return day + timedelta(hours=hour, minutes=rng.randrange(60), seconds=rng.randrange(60))


def seed_history(site_id: int, companies_csv, now: datetime | None = None,
                 days: int = DAYS) -> int:
    """Seed the demo's past; returns how many visitors (0: seeded already)."""
    if seeded():
        return 0
    rng = random.Random(19)
    now = (now or utcnow()).replace(microsecond=0)
    reps = list(db.session.scalars(select(User).where(User.role == "rep").order_by(User.id)))
    rules = list(db.session.scalars(select(RoutingRule).order_by(RoutingRule.position)))
    streams = [s.id for s in db.session.scalars(select(Stream))] or [0]
    if not reps or not rules:
        return 0
    companies = _companies(companies_csv)
    rows: dict[str, list] = {k: [] for k in ("visitors", "hours", "decisions", "skips")}
    pending: list[tuple] = []  # per decision: its offers and chat, once its id is known
    n = 0
    start = (now - timedelta(days=days)).replace(hour=0, minute=0, second=0)
    for d in range(days):
        day = start + timedelta(days=d)
        busy = 70 if day.weekday() < 5 else 20
        for _ in range(int(busy * rng.uniform(0.7, 1.3))):
            seen = _moment(rng, day)
            if seen >= now:
                continue
            company = rng.choice(companies)
            vid, n = visitor_id(n), n + 1
            identified, target = rng.random() < 0.3, rng.random() < 0.2
            rows["visitors"].append({
                "id": vid, "site_id": site_id, "first_seen": seen, "last_seen": seen,
                "email": f"visitor{n}@{company['domain']}" if identified else None,
                "company_name": company["name"], "company_domain": company["domain"],
                "abm_target": target, "traits": {"demo": "history"}, "crm": {},
                "experiences_received": [], "chat_answers": {}})
            stream = rng.choice(streams)
            for h in range(rng.choice((1, 1, 1, 2, 3))):
                rows["hours"].append({
                    "hour": seen.replace(minute=0, second=0) + timedelta(hours=h),
                    "site_id": site_id, "visitor_id": vid, "stream_id": stream,
                    "identified": identified, "target": target,
                    "company_domain": company["domain"], "company_name": company["name"]})
            if rng.random() < 0.35:
                _decision(rng, rows, pending, vid, site_id, stream, seen, rules, reps)
    # Seeded into a running install (`seed-demo`): the days the reports built go again.
    stale.mark_stale(start + timedelta(days=d) for d in range(days + 1))
    _write(rng, rows, pending)
    return n


def _decision(rng, rows, pending, vid, site_id, stream, at, rules, reps) -> None:
    rule = rng.choice(rules)
    mode = rule.distribution
    outcome, step = rng.choices([o[:2] for o in OUTCOMES[mode]],
                                [o[2] for o in OUTCOMES[mode]])[0]
    trigger = "inbound" if rng.random() < 0.6 else "pounce"
    offered = []
    if step is not None:
        count = rng.randint(2, 3) if mode == "first_available" and step != "outreach" else 1
        offered = rng.sample(reps, min(count, len(reps)))
    skipped = [r for r in reps if r not in offered and rng.random() < 0.25]
    owner_known = outcome == "owner" or rng.random() < 0.1
    rows["decisions"].append({
        "decided_at": at, "visitor_id": vid, "site_id": site_id,
        "stream_id": stream or None, "trigger": trigger, "rule_id": rule.id,
        "rule_name": rule.name, "outcome": outcome, "step": step, "mode": mode,
        "owner_known": owner_known, "owner_routed": outcome == "owner"})
    rows["skips"].append([(r.id, rng.choice(SKIP_REASONS)) for r in skipped])
    pending.append((vid, trigger, at, [r.id for r in offered]))


def _write(rng, rows, pending) -> None:
    db.session.execute(insert(Visitor), rows["visitors"])
    db.session.execute(insert(VisitorHour), rows["hours"])
    ids = db.session.scalars(insert(RoutingRecord).returning(
        RoutingRecord.id, sort_by_parameter_order=True), rows["decisions"]).all()
    skips, offers, chats = [], [], []
    for decision_id, skipped, (vid, trigger, at, offered), record in zip(
            ids, rows["skips"], pending, rows["decisions"], strict=True):
        skips += [{"decision_id": decision_id, "decided_at": at, "rep_id": rep_id,
                   "reason": why} for rep_id, why in skipped]
        key = uuid.uuid4().hex
        answered = at + timedelta(seconds=rng.randint(4, 40))
        winner = None
        if offered and record["mode"] == "first_available" and rng.random() < 0.75:
            winner = rng.choice(offered)
        for rep_id in offered:
            if winner is not None:
                outcome = "accepted" if rep_id == winner else "taken"
            else:
                outcome = rng.choices(("accepted", "declined", "timeout", "withdrawn"),
                                      (60, 15, 15, 5))[0]
                winner = rep_id if outcome == "accepted" else None
            offers.append({"offer_key": key, "decision_id": decision_id, "visitor_id": vid,
                           "rep_id": rep_id, "trigger": trigger, "offered_at": at,
                           "answered_at": answered, "outcome": outcome})
        if winner is not None:
            chats.append((vid, winner, trigger, answered))
    if skips:
        db.session.execute(insert(RoutingSkip), skips)
    if offers:
        db.session.execute(insert(Offer), offers)
    _chats(rng, chats)
    db.session.commit()


def _chats(rng, chats) -> None:
    if not chats:
        return
    ids = db.session.scalars(insert(Conversation).returning(
        Conversation.id, sort_by_parameter_order=True), [
        {"visitor_id": vid, "rep_id": rep, "origin": trigger, "status": "closed",
         "started_at": at, "closed_at": at + timedelta(minutes=rng.randint(3, 25))}
        for vid, rep, trigger, at in chats]).all()
    messages, meetings, booked = [], [], set()
    for conversation_id, (vid, rep, trigger, at) in zip(ids, chats, strict=True):
        sent = at
        for i, body in enumerate(LINES[:rng.randint(2, len(LINES))]):
            by_rep = (i % 2 == 1) if trigger == "inbound" else (i % 2 == 0)
            sent += timedelta(seconds=rng.randint(8, 90))
            messages.append({"conversation_id": conversation_id, "body": body,
                             "sender": "rep" if by_rep else "visitor",
                             "rep_id": rep if by_rep else None, "sent_at": sent})
        if rng.random() < 0.3:
            starts = (at + timedelta(days=rng.randint(1, 5))).replace(minute=0, second=0)
            while (rep, starts) in booked:  # one meeting per rep and slot
                starts += timedelta(minutes=30)
            booked.add((rep, starts))
            meetings.append({"visitor_id": vid, "rep_id": rep, "starts_at": starts,
                             "ends_at": starts + timedelta(minutes=30), "status": "booked",
                             "created_at": sent})
    db.session.execute(insert(Message), messages)
    if meetings:
        db.session.execute(insert(Meeting), meetings)
