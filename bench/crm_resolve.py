"""CRM look-up latency through the resolve_crm job: enqueue -> real RQ worker ->
Salesforce + Outreach + Salesloft against the sandbox over HTTPS -> visitor.crm stored.

    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/crm_resolve.py [--runs 30]

"cold" = an email not in the Redis cache (every CRM queried; connections already open
after the first), "cached" = the same emails again (no CRM request). Median and p95.
The sandbox runs in this process (a thread): figures are for comparing, not asserting."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="crm-resolve-bench-"))
    os.environ.update(LIVEAPP_INSTANCE=str(folder), SECRET_KEY="bench",
                      LIVEAPP_REDIS_PREFIX=f"crmbench{uuid.uuid4().hex[:6]}:")
    import jobs
    from liveapp.demo.crm_sandbox import server
    from liveapp.demo.crm_sandbox.fixture import identities
    from liveapp.services.ops.schema import migrate_to_head

    app = jobs.get_app()
    migrate_to_head(app)
    sandbox = server.start(folder=folder / "sandbox")
    try:
        with app.app_context():
            people = identities()
            report(run(app, sandbox, people[: args.runs]))
            report(direct(people[args.runs: 2 * args.runs]), "resolve() alone, ")
            cleanup()
    finally:
        sandbox.stop()


def run(app, sandbox, people) -> dict[str, list[float]]:
    from rq import SimpleWorker

    from liveapp.extensions import db, queue, redis
    from liveapp.models import Visitor
    from liveapp.services.crm import crm_settings, owner_lookup
    from liveapp.services.settings import sites

    crm_settings.save_all(sandbox.settings())
    site = sites.save_site(None, name="Bench", allowed_origins=[])
    worker = SimpleWorker([queue("default")], connection=redis.client, serializer="json")
    timings: dict[str, list[float]] = {"no-op job (baseline)": [], "first (new client)": [],
                                       "cold": [], "cached": []}
    for _ in people:  # what RQ itself costs here: one work(burst) per job
        start = time.perf_counter()
        queue("default").enqueue("builtins.len", "x")
        worker.work(burst=True, max_jobs=1)
        timings["no-op job (baseline)"].append((time.perf_counter() - start) * 1000)
    for label in ("cold", "cached"):
        for n, person in enumerate(people):
            visitor = Visitor(id=str(uuid.uuid4()), site_id=site.id, email=person["email"])
            db.session.add(visitor)
            db.session.commit()
            start = time.perf_counter()
            owner_lookup.request(visitor.id)
            worker.work(burst=True, max_jobs=1)
            elapsed = (time.perf_counter() - start) * 1000
            db.session.expire_all()
            assert db.session.get(Visitor, visitor.id).crm, "not resolved"
            bucket = "first (new client)" if label == "cold" and n == 0 else label
            timings[bucket].append(elapsed)
    return timings


def direct(people) -> dict[str, list[float]]:
    """The job's body without RQ: what the look-ups themselves cost."""
    from liveapp.extensions import db
    from liveapp.models import Site, Visitor
    from liveapp.services.crm import owner_lookup

    site = db.session.scalar(db.select(Site))
    timings: dict[str, list[float]] = {"cold": [], "cached": []}
    for label in ("cold", "cached"):
        for person in people:
            visitor = Visitor(id=str(uuid.uuid4()), site_id=site.id, email=person["email"])
            db.session.add(visitor)
            db.session.commit()
            start = time.perf_counter()
            owner_lookup.resolve(visitor.id)
            timings[label].append((time.perf_counter() - start) * 1000)
    return timings


def report(timings: dict[str, list[float]], prefix: str = "through RQ, ") -> None:
    for label, values in timings.items():
        label = prefix + label
        values = sorted(values)
        p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
        print(f"{label:<38} n={len(values):<3} median {statistics.median(values):7.1f} ms"
              f"   p95 {p95:7.1f} ms")


def cleanup() -> None:
    from flask import current_app

    from liveapp.extensions import redis

    prefix = current_app.config["REDIS_PREFIX"]
    for pattern in (prefix + "*", "rq:*" + prefix + "*"):
        keys = list(redis.client.scan_iter(match=pattern, count=1000))
        if keys:
            redis.client.delete(*keys)


if __name__ == "__main__":
    main()
