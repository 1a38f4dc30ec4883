"""What one tracked page view costs the web process, in process and repeatable; with
`--phases`, what recording it costs the pipeline processor, by phase.

Sets up liveapp on its own embedded Redis and a SQLite file in a temporary folder (or
DATABASE_URL / REDIS_URL when set), with SPEC 5's configuration (bench/settings_fixture.py:
20 segments, 10 experiences, 5 streams, 10 routing rules), `--reps` reps, and `--visitors`
known visitors, each routed to a random rep (`assignments.save`, as the routing job does)
and placed in a stream by a first, unmeasured page view (accepted, then recorded with
`pipeline.drain`, as `liveapp pipeline` would). Then, through the Flask test
client (no HTTP, no gunicorn), it times `--views` page views `POST /t/v1/events` for random
ones of them, as many heartbeats, and as many calls of the trivial endpoint
(`POST /bench/ping`, bench/ingest.py's framework ceiling), and prints for each: wall time
p50/p99, CPU per request (time.process_time: this process only, so Redis's own work is
not in it, SQLite's is) and SQL statements per request (a `before_cursor_execute` listener).
The events API only accepts (`visitor_events.accept`: limits, hot presence, the append to the
visitor's shard stream); recording is the processor's. `--phases` then processes the
measured page views with `pipeline.drain` (batches of 50) and prints the processor's CPU
per page view by phase of `pipeline.process_batch` (read, record + commit, each change-bus
stage, acknowledge); bench/pipeline_cpu.py compares batch sizes.

    .venv/bin/python bench/page_view_profile.py [--views 500] [--visitors 200] [--rounds 3]
    .venv/bin/python bench/page_view_profile.py --phases      # + processor CPU per phase
    .venv/bin/python bench/page_view_profile.py --sql         # + one page view's statements
    .venv/bin/python bench/page_view_profile.py --profile     # + cProfile top 25 of page views
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--views", type=int, default=500, help="measured page views")
    parser.add_argument("--visitors", type=int, default=200, help="known, routed visitors")
    parser.add_argument("--reps", type=int, default=20, help="reps the visitors are routed to")
    parser.add_argument("--profile", action="store_true",
                        help="cProfile the page views: top 25 by cumulative and by tottime")
    parser.add_argument("--sql", action="store_true",
                        help="print the statements of one page view, grouped")
    parser.add_argument("--callees", action="append", default=[], metavar="FUNCTION",
                        help="(with --profile) also print what this function calls, e.g. "
                             "'cards.py:.*\\(load\\)'")
    parser.add_argument("--phases", action="store_true",
                        help="CPU per page view of each phase (tracking, membership, board, "
                             "accept prompts, card load/render), by wrapping them with timers")
    parser.add_argument("--rounds", type=int, default=1,
                        help="measure the page views this many times; print each round's "
                             "CPU p50 and the lowest (steadier on a shared machine)")
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args()


def setup(folder: Path, reps: int | None = None):
    """Own Redis and database, the SPEC 5 settings, `reps` reps (--reps by default) and a
    site; (app, embedded Redis or None, database, rep ids). bench/pipeline_cpu.py too."""
    reps = ARGS.reps if reps is None else reps
    from liveapp import embedded_redis

    server = None
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        server = embedded_redis.start(folder / "redis")
        redis_url = server.url
    from bench.ingest import Database

    database = Database(folder)
    os.environ.update({
        "LIVEAPP_INSTANCE": str(folder), "REDIS_URL": redis_url,
        "DATABASE_URL": database.url, "SECRET_KEY": secrets.token_hex(16),
        "LIVEAPP_REDIS_PREFIX": f"bench{uuid.uuid4().hex[:6]}:",
        "LIVEAPP_BENCH_ENDPOINTS": "1",
        "LIVEAPP_TRACKING_IP_LIMIT": "1000000000",
        "LIVEAPP_TRACKING_VISITOR_LIMIT": "1000000000",
    })
    from settings_fixture import configure_settings

    from liveapp import create_app
    from liveapp.extensions import db
    from liveapp.models import User
    from liveapp.services.ops.schema import migrate_to_head
    from liveapp.services.settings import sites

    app = create_app()
    migrate_to_head(app)
    with app.app_context():
        rows = [dict(email=f"rep{i}@bench.test", name=f"Rep {i}", role="rep",
                     password_hash="!", is_chat_user=True, availability="available",
                     max_concurrent_chats=3, active=True) for i in range(reps)]
        db.session.execute(db.insert(User), rows)
        db.session.commit()
        configure_settings()
        site = sites.save_site(None, name="Bench", allowed_origins=[])
        app.config["BENCH_SITE_KEY"] = site.site_key
        rep_ids = list(db.session.scalars(db.select(User.id)))
    return app, server, database, rep_ids


def page_view(site_key: str, visitor_id: str, seq: int) -> dict:
    return {"site_key": site_key, "visitor_id": visitor_id, "type": "page_view",
            "url": f"https://www.example.com/page{seq % 12}?utm_source=ads",
            "title": f"bench-page-{seq}"}


def heartbeat(site_key: str, visitor_id: str, seq: int) -> dict:
    return {"site_key": site_key, "visitor_id": visitor_id, "type": "heartbeat",
            "active": True}


class Statements:
    """Counts SQL statements (and keeps their text while `keep` is on)."""

    def __init__(self, engine) -> None:
        from sqlalchemy import event

        self.count = 0
        self.keep = False
        self.seen: list[str] = []
        event.listen(engine, "before_cursor_execute", self.on_execute)
        # Redis round trips: every command or pipeline is one send_packed_command.
        from redis.connection import AbstractConnection

        self.trips = 0
        original = AbstractConnection.send_packed_command
        counter = self

        def send_packed_command(conn, command, check_health=True):
            counter.trips += 1
            if counter.keep:
                import traceback

                where = [f"{Path(f.filename).stem}.{f.name}:{f.lineno}"
                         for f in traceback.extract_stack()[:-1] if "/liveapp/" in f.filename]
                counter.seen.append("REDIS\n        from " + " < ".join(reversed(where[-4:])))
            return original(conn, command, check_health)

        AbstractConnection.send_packed_command = send_packed_command

    def on_execute(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.count += 1
        if self.keep:
            import traceback

            where = [f"{Path(f.filename).stem}.{f.name}:{f.lineno}"
                     for f in traceback.extract_stack()[:-1] if "/liveapp/" in f.filename]
            self.seen.append(" ".join(statement.split())[:100] + "\n        from "
                             + " < ".join(reversed(where[-4:])))


PHASES = {  # the processor's phases: label, (module, function)
    "read (XAUTOCLAIM, XREADGROUP over the shards, decode)": None,  # claim + read
    "record + commit (record_batch)": ("liveapp.services.tracking.recording",
                                       "record_batch"),
    "bus stages (all; by stage below)": None,  # the sum of the "bus stage" rows
    "acknowledge (XACK + XDEL)": ("liveapp.services.tracking.pipeline", "_acknowledge"),
}
SPENT: Counter = Counter()


def wrap_phases() -> None:
    """Replace each processor phase's function (looked up in its module's globals at each
    call) by a CPU-timed one; change-bus stages are timed per stage."""
    import importlib

    def timed(module, name, label_of) -> None:
        original = getattr(module, name)

        def wrapper(*args, **kwargs):
            started = time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                SPENT[label_of(*args)] += time.process_time() - started

        setattr(module, name, wrapper)

    pipeline = importlib.import_module("liveapp.services.tracking.pipeline")
    changes = importlib.import_module("liveapp.services.bus.changes")
    read_label = next(iter(PHASES))
    timed(pipeline, "claim", lambda *a: read_label)
    timed(pipeline, "read", lambda *a: read_label)
    for label, where in PHASES.items():
        if where is not None:
            timed(importlib.import_module(where[0]), where[1], lambda *a, _label=label: _label)
    timed(changes, "_run", lambda stage, *a: f"  bus stage {stage}")


def measure(client, path: str, bodies: list[dict], statements: Statements,
            profiler: cProfile.Profile | None = None) -> dict:
    walls, cpus, counts, trips = [], [], [], []
    for body in bodies:
        before, trips_before = statements.count, statements.trips
        if profiler is not None:
            profiler.enable()
        cpu, wall = time.process_time(), time.perf_counter()
        answer = client.post(path, json=body)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        if profiler is not None:
            profiler.disable()
        if answer.status_code != 202:
            raise SystemExit(f"{path}: {answer.status_code} {answer.get_data(as_text=True)}")
        walls.append(wall)
        cpus.append(cpu)
        counts.append(statements.count - before)
        trips.append(statements.trips - trips_before)
    return {"walls": walls, "cpus": cpus, "counts": counts, "trips": trips}


def flask_client(app):
    """A test client of the Flask app behind the events API's fast path."""
    from werkzeug.test import Client

    from liveapp.blueprints.tracking import EventsFastPath

    layer = app.wsgi_app
    while not isinstance(layer, EventsFastPath):
        layer = layer.wsgi_app
    return Client(layer.wsgi_app)


def line(name: str, result: dict) -> str:
    q = statistics.quantiles(result["walls"], n=100, method="inclusive")
    cpu = sum(result["cpus"]) / len(result["cpus"])
    cpu_p50 = statistics.median(result["cpus"])
    counts = Counter(result["counts"])
    return (f"{name:<10}\n{'':11}n={len(result['walls'])} wall p50 {q[49] * 1000:5.2f} ms "
            f"p99 {q[98] * 1000:5.2f} ms  CPU mean {cpu * 1000:5.2f} ms p50 "
            f"{cpu_p50 * 1000:5.2f} ms\n{'':11}"
            f"SQL statements/request {dict(sorted(counts.items()))}   Redis round trips/request "
            f"{dict(sorted(Counter(result['trips']).items()))}")


def run(app, rep_ids: list[int]) -> None:
    from liveapp.extensions import db
    from liveapp.services.routing import assignments
    from liveapp.services.tracking.visitor_ids import internal_id

    rng = random.Random(ARGS.seed)
    site_key = app.config["BENCH_SITE_KEY"]
    visitors = [str(uuid.uuid4()) for _ in range(ARGS.visitors)]  # their cookie ids
    with app.app_context():
        for cookie_id in visitors:
            assignments.save(internal_id(cookie_id), assignments.Assignment(
                "Bench rule", "first_available", routed_to=[rng.choice(rep_ids)],
                explanation="bench"))
        statements = Statements(db.engine)
    client = app.test_client()
    headers_ok = [client.post("/t/v1/events", json=page_view(site_key, v, i)).status_code
                  for i, v in enumerate(visitors)]
    if set(headers_ok) != {202}:
        raise SystemExit(f"first page views answered {Counter(headers_ok)}")
    with app.app_context():
        from liveapp.services.membership import live_membership
        from liveapp.services.tracking import pipeline

        pipeline.drain("bench")  # record them (the events API only accepted them)

        stored = [live_membership.stored(internal_id(v)) for v in visitors]
        placed = sum(1 for member in stored if member is not None and member.stream_id is not None)
    print(f"{len(visitors)} visitors routed to {len(rep_ids)} reps; {placed} placed in a stream")

    picks = [rng.choice(visitors) for _ in range(ARGS.views)]
    seq0 = len(visitors)
    views = [page_view(site_key, v, seq0 + i) for i, v in enumerate(picks)]
    beats = [heartbeat(site_key, v, i) for i, v in enumerate(picks)]
    # Warm-up: compiled settings, templates, statement caches.
    measure(client, "/bench/ping", beats[:20], statements)
    measure(client, "/t/v1/events", beats[:20], statements)
    measure(client, "/t/v1/events", [page_view(site_key, v, 10**6 + i)
                                     for i, v in enumerate(picks[:20])], statements)

    if ARGS.sql:
        statements.keep = True
        client.post("/t/v1/events", json=page_view(site_key, picks[0], 10**7))
        statements.keep = False
        print("\n-- one page view's SQL statements and Redis round trips, in order:")
        for text in statements.seen:
            print(f"  {text}")
        statements.seen.clear()
        print()

    trivial = measure(client, "/bench/ping", beats, statements)
    beat = measure(client, "/t/v1/events", beats, statements)
    # The same heartbeats through Flask's own view (what the fast path in front of it saves).
    through_flask = measure(flask_client(app), "/t/v1/events", beats, statements)
    with app.app_context():
        pipeline.drain("bench")  # the warm-up's and the heartbeats' entries: not timed
    viewed = measure(client, "/t/v1/events", views, statements)
    if ARGS.phases:  # the processor records exactly the measured page views, timed
        wrap_phases()
        with app.app_context():
            drain_cpu = time.process_time()
            drained = pipeline.drain("bench")
            drain_cpu = time.process_time() - drain_cpu
    rounds = [statistics.median(viewed["cpus"])]
    for n in range(1, ARGS.rounds):  # more rounds: the machine is shared, CPU time drifts
        more = [page_view(site_key, v, (n + 2) * 10**6 + i) for i, v in enumerate(picks)]
        rounds.append(statistics.median(measure(client, "/t/v1/events", more,
                                                statements)["cpus"]))
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average (1/5/15 min): {load} (2 cores, shared)")
    print(line("trivial", trivial))
    print(line("heartbeat", beat))
    print(line("heartbeat through Flask's view (no fast path)", through_flask))
    print(f"heartbeat CPU p50: fast path / Flask view "
          f"{statistics.median(beat['cpus']) / statistics.median(through_flask['cpus']):.2f}x")
    print(line("page view", viewed))
    ratio = statistics.median(viewed["cpus"]) / statistics.median(trivial["cpus"])
    print(f"page view CPU / trivial CPU (p50): {ratio:.1f}x")
    if ARGS.rounds > 1:
        print(f"page view CPU p50 in {ARGS.rounds} rounds: "
              + " ".join(f"{r * 1000:.2f}" for r in rounds)
              + f" ms; lowest {min(rounds) * 1000:.2f} ms")
    if ARGS.phases:
        stages = {k: v for k, v in SPENT.items() if k.startswith("  bus stage")}
        SPENT["bus stages (all; by stage below)"] = sum(stages.values())
        print(f"processor: {drained} entries recorded by pipeline.drain (batch 50), "
              f"{drain_cpu / len(views) * 1000:.2f} ms CPU per page view; by phase (timers "
              f"wrapped around them):")
        for label in [*PHASES, *sorted(stages, key=lambda k: -stages[k])]:
            print(f"  {label:<54} {SPENT.get(label, 0) / len(views) * 1000:6.2f} ms")
        rest = drain_cpu - sum(v for k, v in SPENT.items() if not k.startswith("  "))
        print(f"  {'(rest: hot states, announce, the drain loop)':<54} "
              f"{rest / len(views) * 1000:6.2f} ms")
    if ARGS.profile:  # a second round of page views, profiled (not in the figures above)
        profiler = cProfile.Profile()
        measure(client, "/t/v1/events", [page_view(site_key, v, 2 * 10**6 + i)
                                         for i, v in enumerate(picks)], statements, profiler)
        for order in ("cumulative", "tottime"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order).print_stats(25)
            print(f"\n-- cProfile of {len(views)} page views, top 25 by {order}:")
            print(out.getvalue().split("\n", 4)[-1].rstrip())
        for pattern in ARGS.callees:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(
                "cumulative").print_callees(pattern)
            print(out.getvalue().rstrip())


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="liveapp-pvprof-"))
    server = database = None
    try:
        app, server, database, rep_ids = setup(folder)
        run(app, rep_ids)
    finally:
        if server is not None:
            from liveapp import embedded_redis

            embedded_redis.stop(folder / "redis", server)
        if database is not None:
            database.drop()
        shutil.rmtree(folder, ignore_errors=True)


ARGS = parse_args() if __name__ == "__main__" else None

if __name__ == "__main__":
    main()
