"""Board benchmark (SPEC section 5): the admin board with N live visitors, server time.

    .venv/bin/python bench/board.py [--visitors 2000] [--rounds 20] [--reps 20]

Builds the app in-process on its own instance folder (embedded Redis and a SQLite file,
or REDIS_URL / DATABASE_URL with a fresh PostgreSQL database), seeds N live visitors
spread over 5 streams and "Other visitors", enriched, most of them routed to one of the
reps, then times `GET /` for the admin (the whole request: loading and rendering) and, in
the same run, the rep board of one rep. Also counts SQL queries per request (no N+1).
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.ingest import Database  # noqa: E402

PASSWORD = "correct-horse-battery"
INDUSTRIES = ("Software", "Finance", "Retail", "Healthcare", "Manufacturing")


def seed(app, visitors: int, reps: int) -> tuple[str, list[str]]:
    """Streams, users, live visitors with memberships and assignments; (admin, rep emails)."""

    from liveapp.services.bus import changes
    from liveapp.services.settings import sites

    # Seeding writes state directly: no per-visitor board update while it does.
    with changes.muted():
        return _seed(visitors, reps, site=sites.save_site(None, name="Bench", allowed_origins=[]))


def _seed(visitors: int, reps: int, site) -> tuple[str, list[str]]:
    from sqlalchemy import insert

    from liveapp.domain.streams import Membership
    from liveapp.domain.visitor_presence import arrived
    from liveapp.extensions import db, redis
    from liveapp.models import Segment, Stream, User, Visitor, VisitSession
    from liveapp.services.membership import live_membership
    from liveapp.services.routing import assignments
    from liveapp.services.tracking import hot_state

    users = [User(email="admin@bench.test", name="Ada Admin", role="admin")]
    users += [User(email=f"rep{i}@bench.test", name=f"Rep {i}", role="rep") for i in range(reps)]
    for user in users:
        user.set_password(PASSWORD)
    db.session.add_all(users)
    streams = []
    for i, (name, colour) in enumerate([("Hot", "#c62f3a"), ("Pricing", "#2f5bea"),
                                        ("Target accounts", "#1f9d55"), ("Docs", "#d69e2e"),
                                        ("Returning", "#7c3aed")]):
        segment = Segment(name=f"Segment {i}", criteria={"match": "all", "conditions": []})
        streams.append(Stream(name=name, colour=colour, position=i, segments=[segment]))
    db.session.add_all(streams)
    db.session.commit()
    rep_ids = [u.id for u in users[1:]]
    rng = random.Random(7)
    ids = [str(uuid.uuid4()) for _ in range(visitors)]
    now = time.time()
    db.session.execute(insert(Visitor), [{
        "id": vid, "site_id": site.id, "name": f"Visitor {n}" if n % 3 == 0 else None,
        "company_name": f"Company {n % 400}", "city": "Lyon", "country": "France",
        "industry": INDUSTRIES[n % 5], "employees": 50 + n % 5000, "revenue_band": "$10M-$50M",
        "abm_target": n % 4 == 0, "abm_tier": "1" if n % 4 == 0 else None,
        "lead_score": n % 100, "lifecycle_stage": "MQL", "traits": {}, "experiences_received": [],
        "crm": {"salesforce": {"record_type": "Contact", "owner_name": "Olga",
                               "account_name": f"Company {n % 400}"}} if n % 2 else {},
    } for n, vid in enumerate(ids)])
    db.session.commit()
    from datetime import UTC, datetime

    started = datetime.fromtimestamp(now - 600, UTC).replace(tzinfo=None)
    db.session.execute(insert(VisitSession), [
        {"visitor_id": vid, "started_at": started, "page_count": 3} for vid in ids])
    db.session.commit()
    session_ids = dict(db.session.execute(
        db.select(VisitSession.visitor_id, VisitSession.id)).all())
    pipe = redis.client.pipeline(transaction=False)
    for n, vid in enumerate(ids):
        state = hot_state.HotState(site.id, arrived(now - rng.random() * 20),
                                   session_ids[vid], None, None,
                                   f"https://www.example.com/page/{n}", f"Page {n}", 3)
        pipe.hset(hot_state.state_key(vid), mapping=state.to_mapping())
        pipe.zadd(hot_state.heartbeats_key(), {vid: state.presence.last_heartbeat})
        stream = streams[n % 6].id if n % 6 < 5 else None
        pipe.set(live_membership.membership_key(vid),
                 json.dumps(Membership(stream_id=stream).to_dict()))
    pipe.execute()
    for n, vid in enumerate(ids):
        if n % 10:
            assignments.save(vid, assignments.Assignment(
                "Bench rule", "round_robin", routed_to=[rep_ids[n % reps]],
                offered_to=[rep_ids[n % reps]], explanation="rule Bench rule matched"))
    return users[0].email, [u.email for u in users[1:]]


def login(client, email: str) -> None:
    import re

    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    answer = client.post("/auth/login", data={"email": email, "password": PASSWORD,
                                              "csrf_token": token})
    assert answer.status_code == 303


def timed(app, email: str, rounds: int) -> tuple[list[float], int, int]:
    """Server time of `GET /` (test client: no network), SQL queries, response bytes."""
    from sqlalchemy import event

    from liveapp.extensions import db

    client = app.test_client()
    login(client, email)
    with app.app_context():
        engine = db.engine
    queries = []
    event.listen(engine, "before_cursor_execute", lambda *a: queries.append(1))
    times, size = [], 0
    for _ in range(rounds + 1):
        queries.clear()
        started = time.perf_counter()
        response = client.get("/")
        times.append(time.perf_counter() - started)
        assert response.status_code == 200
        size = len(response.data)
    # The first request renders the cards nobody rendered yet (this benchmark writes the
    # visitors' state directly, without the changes that render cards as they happen).
    return times, len(queries), size


def summary(name: str, times: list[float], queries: int, size: int, cards: int) -> str:
    cold, ms = times[0] * 1000, sorted(t * 1000 for t in times[1:])
    p95 = statistics.quantiles(ms, n=20, method="inclusive")[18] if len(ms) > 1 else ms[0]
    return (f"{name:<14} {cards:5d} cards  p50 {statistics.median(ms):6.1f} ms  p95 {p95:6.1f} ms"
            f"  min {ms[0]:6.1f} ms  {queries} SQL queries  {size / 1024:.0f} KiB"
            f"  (first, cold cache: {cold:.0f} ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--reps", type=int, default=20)
    args = parser.parse_args()
    instance = Path(tempfile.mkdtemp(prefix="liveapp-bench-board-"))
    database = Database(instance)
    os.environ["LIVEAPP_INSTANCE"] = str(instance)
    try:
        from liveapp import create_app
        from liveapp.services.ops.schema import migrate_to_head

        app = create_app({"SQLALCHEMY_DATABASE_URI": database.url,
                          "REDIS_PREFIX": f"benchboard{uuid.uuid4().hex[:6]}:"})
        migrate_to_head(app)
        with app.app_context():
            admin, reps = seed(app, args.visitors, args.reps)
        print(f"load average {os.getloadavg()[0]:.1f}; {args.visitors} live visitors, "
              f"{args.reps} reps, {args.rounds} rounds")
        for name, email, cards in (("admin board", admin, args.visitors),
                                   ("rep board", reps[1], None)):
            times, queries, size = timed(app, email, args.rounds)
            if cards is None:
                with app.app_context():
                    from liveapp.models import User
                    from liveapp.services.live import board_view

                    user = User.query.filter_by(email=email).one()
                    cards = board_view.board_for(user).card_count
            print(summary(name, times, queries, size, cards))
    finally:
        database.drop()
        _cleanup(app, instance)


def _cleanup(app, instance: Path) -> None:
    from liveapp import embedded_redis
    from liveapp.extensions import redis

    with app.app_context():
        keys = list(redis.client.scan_iter(match=app.config["REDIS_PREFIX"] + "*", count=1000))
        for start in range(0, len(keys), 1000):
            redis.client.delete(*keys[start:start + 1000])
    server = embedded_redis.running(app.instance_path)
    if server is not None:
        embedded_redis.stop(app.instance_path, server)
    shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    main()
