"""Reports benchmark (issue 19): each section's server time at the stated data size.

    .venv/bin/python bench/reports.py [--backend both|sqlite|postgresql] [--rounds 7]
                                      [--scale 1.0]

Bulk-loads, per backend, the history 1,000,000 page views and 100,000 routing decisions
leave over 90 days: 20,000 visitors, ~250,000 visitor hours (~4 page views each), 100,000
decisions with ~150,000 skips and ~100,000 offers, 30,000 conversations with 300,000
messages, 3,000 meetings; 50 reps in 5 groups, 5 streams, 10 rules, 2 sites. SQLite goes
into a temporary file; PostgreSQL (DATABASE_URL's server, else the local one) into a
scratch database created and dropped here. Then times `reports.report(section, filters)`
(every query and the Python around it: the server's work short of rendering) for 30 and
90 days, with no filter, a site, a rep's own, a group's (10 reps), a stream's and a rule's,
and prints p50/max per section and which path answered (the daily rollups, built first
for the zone and timed, or the live queries), with the live queries' p50 beside each
rollup figure;
against `SELECT 1` through the same session in the same run (the baseline).
--scale shrinks or grows every count (0.1 for a quick look); --keep leaves the loaded
database and prints its URL, --reuse URL times it again without loading.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DAYS = 90
LAST_DAY = date(2026, 3, 31)  # the range crosses Europe/Berlin's spring DST change
TZ = "Europe/Berlin"
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"
OUTCOMES = ("owner", "last_chat", "sender", "group", "queue", "booker", "nobody")
REASONS = ("away", "at capacity", "outside working hours", "not in the group",
           "declined recently", "offline")


class Sizes:
    def __init__(self, scale: float):
        self.visitors = int(20_000 * scale)
        self.visitor_hours = int(250_000 * scale)
        self.decisions = int(100_000 * scale)
        self.conversations = int(30_000 * scale)
        self.messages_per_chat = 10
        self.meetings = int(3_000 * scale)


def scratch_database(backend: str, folder: Path):
    """(url, drop) for an empty database of this run."""
    if backend == "sqlite":
        return f"sqlite:///{folder / 'reports.sqlite3'}", lambda: None
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from liveapp.config import normalise_database_url

    url = make_url(normalise_database_url(os.environ.get("DATABASE_URL") or PG_DEFAULT))
    name = f"liveapp_bench_reports_{uuid.uuid4().hex[:6]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


def bulk(table, rows: list[dict], chunk: int = 20_000) -> None:
    """Insert rows fast: COPY on PostgreSQL, executemany on SQLite."""
    from sqlalchemy import insert

    from liveapp.extensions import db

    table = getattr(table, "__table__", table)
    if db.engine.dialect.name == "postgresql":
        _copy(table.name, rows)
        return
    for at in range(0, len(rows), chunk):
        db.session.execute(insert(table), rows[at:at + chunk])
    db.session.commit()


def _copy(name: str, rows: list[dict]) -> None:
    from liveapp.extensions import db

    rows = _with_defaults(db.Model.metadata.tables[name], rows)
    columns = list(rows[0])
    raw = db.session.connection().connection.dbapi_connection
    with raw.cursor() as cursor, cursor.copy(
            f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([json.dumps(v) if isinstance(v, dict) else v
                            for v in (row[c] for c in columns)])
    db.session.commit()


def load(sizes: Sizes) -> dict:
    """The data set; the ids the timed filters use."""
    from liveapp.extensions import db
    from liveapp.models import Group, RoutingRule, Site, Stream, User

    rng = random.Random(19)
    first = datetime.combine(LAST_DAY - timedelta(days=DAYS - 1), datetime.min.time())
    span = DAYS * 86400 - 3600

    def moment() -> datetime:
        return first + timedelta(seconds=rng.randrange(span))

    sites = [Site(name="Main"), Site(name="Docs")]
    streams = [Stream(name=f"Stream {i}", colour="#2f5bea", position=i) for i in range(5)]
    rules = [RoutingRule(name=f"Rule {i}", position=i, criteria={"match": "all",
                                                                  "conditions": []})
             for i in range(10)]
    reps = [User(email=f"rep{i}@bench.test", name=f"Rep {i}", password_hash="x")
            for i in range(50)]
    groups = [Group(name=f"Group {g}", members=reps[g * 10:(g + 1) * 10]) for g in range(5)]
    db.session.add_all([*sites, *streams, *rules, *reps, *groups])
    db.session.commit()
    rep_ids = [r.id for r in reps]
    visitors = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(sizes.visitors)]
    site_of = {v: sites[0].id if n % 5 else sites[1].id for n, v in enumerate(visitors)}
    bulk(db.Model.metadata.tables["visitors"],
         [{"id": v, "site_id": site_of[v], "traits": {}, "crm": {},
           "first_seen": first, "last_seen": first} for v in visitors])
    _visitor_hours(sizes, rng, visitors, site_of, [s.id for s in streams], moment)
    _routing(sizes, rng, visitors, site_of, streams, rules, rep_ids, moment)
    _chats(sizes, rng, visitors, rep_ids, moment)


def _visitor_hours(sizes, rng, visitors, site_of, stream_ids, moment) -> None:
    from liveapp.models import VisitorHour

    companies = [(f"company{c}.com", f"Company {c}", c % 10 == 0) for c in range(2000)]
    facts = {v: (rng.random() < 0.3, rng.choice(companies) if rng.random() < 0.6 else None)
             for v in visitors}
    seen, rows = set(), []
    while len(rows) < sizes.visitor_hours:
        visitor = rng.choice(visitors)
        hour = moment().replace(minute=0, second=0)
        stream = rng.choice([0, 0, *stream_ids])
        if (visitor, hour, stream) in seen:
            continue
        seen.add((visitor, hour, stream))
        identified, company = facts[visitor]
        domain, name, target = company or (None, None, False)
        rows.append({"hour": hour, "site_id": site_of[visitor], "visitor_id": visitor,
                     "stream_id": stream, "identified": identified, "target": target,
                     "company_domain": domain, "company_name": name})
    bulk(VisitorHour, rows)


def _routing(sizes, rng, visitors, site_of, streams, rules, rep_ids, moment) -> None:
    from liveapp.extensions import db
    from liveapp.models import Offer, RoutingRecord, RoutingSkip

    decisions = []
    for n in range(sizes.decisions):
        visitor, rule = rng.choice(visitors), rng.choice([*rules, None])
        known = rng.random() < 0.3
        decisions.append({
            "id": n + 1, "decided_at": moment(), "visitor_id": visitor,
            "site_id": site_of[visitor], "stream_id": rng.choice(streams).id,
            "trigger": rng.choice(("inbound", "pounce")), "rule_id": rule and rule.id,
            "rule_name": rule and rule.name, "outcome": rng.choice(OUTCOMES),
            "owner_known": known, "owner_routed": known and rng.random() < 0.7})
    bulk(RoutingRecord, decisions)
    skips, offers = [], []
    for d in decisions:
        for rep in rng.sample(rep_ids, rng.choice((1, 1, 2))):
            skips.append({"decision_id": d["id"], "decided_at": d["decided_at"],
                          "rep_id": rep, "reason": rng.choice(REASONS)})
        for rep in rng.sample(rep_ids, rng.choice((0, 1, 1, 2))):
            outcome = rng.choice(("accepted", "accepted", "declined", "timeout", "taken"))
            offers.append({
                "offer_key": f"o{d['id']}", "decision_id": d["id"],
                "visitor_id": d["visitor_id"], "rep_id": rep, "trigger": d["trigger"],
                "offered_at": d["decided_at"], "outcome": outcome,
                "answered_at": d["decided_at"] + timedelta(seconds=rng.randrange(2, 60))})
    bulk(RoutingSkip, skips)
    bulk(Offer, offers)
    if db.engine.dialect.name == "postgresql":  # ids given explicitly: move the sequence on
        db.session.execute(db.text(
            "SELECT setval('routing_decisions_id_seq', (SELECT max(id) FROM routing_decisions))"))
        db.session.commit()


def _chats(sizes, rng, visitors, rep_ids, moment) -> None:
    from liveapp.models import Conversation, Meeting, Message

    chats, messages = [], []
    for n in range(sizes.conversations):
        started = moment()
        chats.append({"id": n + 1, "visitor_id": rng.choice(visitors),
                      "rep_id": rng.choice(rep_ids), "origin": rng.choice(("pounce", "inbound")),
                      "status": "closed", "started_at": started,
                      "closed_at": started + timedelta(minutes=rng.randrange(2, 40))})
        at = started
        for m in range(sizes.messages_per_chat):
            at += timedelta(seconds=rng.randrange(5, 120))
            sender = "visitor" if m % 2 == 0 else "rep"
            messages.append({"conversation_id": n + 1, "sender": sender, "body": "hello",
                             "rep_id": chats[-1]["rep_id"] if sender == "rep" else None,
                             "sent_at": at})
    bulk(Conversation, chats)
    bulk(Message, messages)
    meetings = []
    for n in range(sizes.meetings):
        chat = rng.choice(chats)
        meetings.append({"visitor_id": chat["visitor_id"], "rep_id": chat["rep_id"],
                         "created_at": chat["closed_at"] + timedelta(hours=rng.randrange(30)),
                         "starts_at": datetime(2027, 1, 1) + timedelta(minutes=30 * n),
                         "ends_at": datetime(2027, 1, 1) + timedelta(minutes=30 * n + 30),
                         "status": "booked" if n % 10 else "cancelled"})
    bulk(Meeting, meetings)


def _with_defaults(table, rows: list[dict]) -> list[dict]:
    """COPY skips the models' Python-side defaults: fill them in."""
    defaults = {}
    for column in table.columns:
        if column.name in rows[0] or column.default is None or column.primary_key:
            continue
        arg = column.default.arg
        defaults[column.name] = arg(None) if column.default.is_callable else arg
    return [{**defaults, **row} for row in rows] if defaults else rows


def timed(call, rounds: int) -> list[float]:
    """ms per call, after one warm-up call."""
    call()
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def measure(backend: str, sizes: Sizes, rounds: int, folder: Path, reuse: str | None,
            keep: bool, live_rounds: int = 1) -> None:
    from liveapp import create_app
    from liveapp.services.ops.schema import migrate_to_head

    url, drop = (reuse, lambda: None) if reuse else scratch_database(backend, folder)
    app = None
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url,
                          "REDIS_PREFIX": f"benchreports{uuid.uuid4().hex[:6]}:"})
        migrate_to_head(app)
        with app.app_context():
            started = time.perf_counter()
            if not reuse:
                load(sizes)
            _analyze()
            print(f"\n{backend}: loaded in {time.perf_counter() - started:.0f} s; "
                  f"{_counts()}")
            _build_rollups()
            _analyze()
            _report_times(rounds, live_rounds)
    finally:
        if app is not None:
            with app.app_context():
                from liveapp.extensions import db

                db.session.remove()
                db.engine.dispose()
        if keep:
            print(f"kept: --reuse {url}")
        else:
            drop()


def _analyze() -> None:
    """Fresh statistics; on PostgreSQL also the visibility map that index-only scans need
    (autovacuum would set it a while after a bulk load)."""
    from liveapp.extensions import db

    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(db.text("VACUUM ANALYZE" if db.engine.dialect.name == "postgresql"
                             else "ANALYZE"))


def _counts() -> str:
    from liveapp.extensions import db

    tables = ("visitor_hours", "routing_decisions", "routing_skips", "offers",
              "conversations", "messages", "meetings")
    return ", ".join(f"{t} {db.session.execute(db.text(f'SELECT count(*) FROM {t}')).scalar():,}"
                     for t in tables)


def _build_rollups() -> None:
    """The rollup job's work for the bench's zone: every day of the loaded range."""
    from sqlalchemy import func, select

    from liveapp.extensions import db
    from liveapp.models.report_days import ROLLUPS
    from liveapp.services.reports.days import days
    from liveapp.services.reports.rollup import rebuild_day
    from liveapp.services.reports.rollup_runs import built

    first = LAST_DAY - timedelta(days=DAYS - 1)
    done = built(TZ, first, LAST_DAY)  # --reuse: a kept database's rollups stay
    if len(done) == DAYS and all(db.session.scalar(select(model.id).limit(1))
                                 for model in ROLLUPS):  # (kept before a new rollup table)
        print(f"rollups for {TZ}: {DAYS} days built already")
        return
    each = []
    started = time.perf_counter()
    for day in days(first, LAST_DAY):
        at = time.perf_counter()
        rebuild_day(TZ, day)
        each.append((time.perf_counter() - at) * 1000)
    print(f"rollups for {TZ}: {DAYS} days built in {time.perf_counter() - started:.1f} s; "
          f"per day p50 {statistics.median(each):.0f} ms, max {max(each):.0f} ms; rows: "
          + ", ".join(f"{m.__tablename__} {db.session.scalar(select(func.count(m.id))):,}"
                      for m in ROLLUPS))


def _report_times(rounds: int, live_rounds: int) -> None:
    from sqlalchemy import func

    from liveapp.extensions import db
    from liveapp.models import Group, RoutingRule, Site, Stream, User
    from liveapp.services import reports
    from liveapp.services.reports import from_rollups

    rep = db.session.scalar(db.select(User.id).where(User.email == "rep3@bench.test"))
    site = db.session.scalar(db.select(func.min(Site.id)))
    group = db.session.scalar(db.select(Group.id).where(Group.name == "Group 0"))
    stream = db.session.scalar(db.select(Stream.id).where(Stream.name == "Stream 1"))
    rule = db.session.scalar(db.select(RoutingRule.id).where(RoutingRule.name == "Rule 1"))
    views = {}
    for days_back in (30, 90):
        first = LAST_DAY - timedelta(days=days_back - 1)
        views[f"{days_back} d"] = reports.Filters(first, LAST_DAY, TZ)
        views[f"site, {days_back} d"] = reports.Filters(first, LAST_DAY, TZ, site_id=site)
        views[f"rep, {days_back} d"] = reports.Filters(first, LAST_DAY, TZ, rep_id=rep)
        views[f"group, {days_back} d"] = reports.Filters(first, LAST_DAY, TZ, group_id=group)
        views[f"stream, {days_back} d"] = reports.Filters(first, LAST_DAY, TZ,
                                                          stream_id=stream)
        views[f"rule, {days_back} d"] = reports.Filters(first, LAST_DAY, TZ, rule_id=rule)
    base = statistics.median(timed(lambda: db.session.execute(db.text("SELECT 1")), 50))
    print(f"baseline SELECT 1: p50 {base:.2f} ms")
    worst = 0.0
    for view, filters in views.items():
        for section in reports.SECTIONS:
            path = "rollup" if from_rollups.usable(section, filters) else "live"
            times = timed(lambda s=section, f=filters: reports.report(s, f), rounds)
            db.session.rollback()
            p50, top = statistics.median(times), max(times)
            worst = max(worst, top)
            line = (f"  {view:<11} {section:<14} {path:<6} p50 {p50:7.1f} ms   "
                    f"max {top:7.1f} ms")
            if path == "rollup" and live_rounds:
                live = timed(lambda s=section, f=filters: reports.live(s, f), live_rounds)
                db.session.rollback()
                line += f"   (live p50 {statistics.median(live):7.1f} ms)"
            print(line)
    print(f"  slowest call: {worst:.1f} ms ({'under' if worst < 200 else 'OVER'} 200 ms)")



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("both", "sqlite", "postgresql"), default="both")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--keep", action="store_true",
                        help="keep the loaded database (to time again with --reuse)")
    parser.add_argument("--reuse", metavar="URL", help="time a kept database, no loading")
    parser.add_argument("--live-rounds", type=int, default=1,
                        help="rounds of the live queries beside each rollup section (0: none)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="liveapp-bench-reports-"))
    os.environ["LIVEAPP_INSTANCE"] = str(folder)
    print(f"load average {os.getloadavg()[0]:.1f} (2 cores, shared); scale {args.scale}")
    try:
        for backend in ("sqlite", "postgresql"):
            if args.backend in ("both", backend):
                # A kept SQLite file lives in a folder of its own, left for --reuse.
                kept = args.keep and backend == "sqlite" and not args.reuse
                measure(backend, Sizes(args.scale), args.rounds,
                        Path(tempfile.mkdtemp(prefix="liveapp-bench-reports-")) if kept
                        else folder, args.reuse, args.keep, args.live_rounds)
    finally:
        _stop_embedded_redis(folder)
        shutil.rmtree(folder, ignore_errors=True)


def _stop_embedded_redis(folder: Path) -> None:
    from liveapp import embedded_redis

    server = embedded_redis.running(folder)
    if server is not None:
        embedded_redis.stop(folder, server)


if __name__ == "__main__":
    main()
