"""Routing jobs per second through a real RQ worker, against RQ no-op jobs in the same run.

    .venv/bin/python bench/routing.py [--jobs 600] [--rounds 6]

Setup: 10 routing rules (the matching ones low in the list: First Available over all
users, Round Robin over a group, Balanced), 50 reps with open boards (every fifth away),
and `--jobs` live visitors created through the real events API. Then the same worker type
(`SimpleWorker`, burst, one process) runs `--jobs` pre-enqueued `route_visitor` jobs, and
as many no-op jobs (`os.getpid`), in alternating bursts (`--rounds`) so the load other
work puts on a shared machine hits both alike; the ratio is routing jobs/s over no-op
jobs/s. Each routing job does the whole thing: dedup lock, visitor, hot
state, facts (DB), compiled rules, reps with board presence and working hours, CRM
facts, decision, Round Robin turn and offer timeout (`enqueue_in`), history, assignment,
"routing" change.

CRM: with `liveapp.services.crm.owner_lookup` installed the job reads the results `resolve_crm`
stored on the visitor (a warm cache: no CRM is called while routing); without it, as on
the routing-job branch, the run says "no CRM configured". SQLite + embedded Redis in a
temporary instance folder unless DATABASE_URL / REDIS_URL are set.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

N_REPS, N_RULES = 50, 10


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    os.environ.setdefault("LIVEAPP_INSTANCE", tempfile.mkdtemp(prefix="bench-routing-"))
    os.environ.setdefault("LIVEAPP_REDIS_PREFIX", f"bench{uuid.uuid4().hex[:6]}:")
    import jobs
    from liveapp import create_app
    from liveapp.services.ops.schema import migrate_to_head

    app = create_app({"TESTING": True})
    migrate_to_head(app)
    jobs._app, jobs._app_pid = app, os.getpid()  # the worker runs in this process
    with app.app_context():
        try:
            run(app, args.jobs, args.rounds)
        finally:
            cleanup()


def setup(app, n_visitors: int) -> list[str]:
    from liveapp.extensions import db
    from liveapp.models import Group, User
    from liveapp.services.routing import board_presence, routing_rules
    from liveapp.services.settings import sites

    group = Group(name="Round robin team")
    reps = [User(email=f"rep{i}@example.test", name=f"Rep {i}", role="rep",
                 availability="away" if i % 5 == 0 else "available",
                 groups=[group] if i % 2 else []) for i in range(N_REPS)]
    for rep in reps:
        rep.set_password("bench-password-123")
    db.session.add_all([group, *reps])
    db.session.commit()
    for rep in reps:
        board_presence.touch_board(rep.id)
    matching = [("/pricing-rr", "round_robin", {"route_to_groups": [group.id]}),
                ("/pricing", "first_available", {"route_to_all": True}),
                ("/", "balanced", {"route_to_all": True})]
    never = [(f"/never{i}", "first_available", {"route_to_all": True})
             for i in range(N_RULES - len(matching))]
    for n, (path, distribution, targets) in enumerate(never + matching):
        routing_rules.save_rule(None, {
            "name": f"Rule {n}", "active": True, "distribution": distribution,
            "criteria": {"match": "all", "conditions": [
                {"field": "current_url", "operator": "contains", "value": path}]},
            "offer_timeout_seconds": "30", "when_nobody": "queue", **targets,
        })
    site = sites.save_site(None, name="Bench", allowed_origins=["https://www.example.com"])
    client = app.test_client()
    visitors = []
    for n in range(n_visitors):
        vid = str(uuid.uuid4())
        path = ("/pricing-rr", "/pricing", "/about")[n % 3]
        client.post("/t/v1/events", json={"site_key": site.site_key, "visitor_id": vid,
                                          "type": "page_view",
                                          "url": f"https://www.example.com{path}"})
        visitors.append(vid)
    return visitors


def burst(queue) -> tuple[int, float]:
    from rq import SimpleWorker

    from liveapp.extensions import redis

    count = queue.count
    worker = SimpleWorker([queue], connection=redis.client, serializer="json")
    start = time.perf_counter()
    worker.work(burst=True, logging_level="WARNING")
    return count, time.perf_counter() - start


def noop_burst(n: int) -> tuple[int, float]:
    from liveapp.extensions import queue

    q = queue("low")
    for _ in range(n):
        q.enqueue("os.getpid", result_ttl=0)
    return burst(q)


def route_burst(visitors: list[str]) -> tuple[int, float]:
    from jobs import routing as routing_jobs
    from liveapp.extensions import queue
    from liveapp.services.routing import router

    for vid in visitors:
        router.enqueue_routing(vid, "pounce")
    return burst(queue(routing_jobs.QUEUE))


def run(app, n: int, rounds: int) -> None:
    from liveapp.extensions import QUEUE_NAMES, queue
    from liveapp.services.routing import assignments

    visitors = setup(app, n)
    for name in QUEUE_NAMES:  # enrichment and membership jobs queued by the setup
        burst(queue(name))
    crm = ("warm CRM cache (results stored on the visitor)"
           if importlib.util.find_spec("liveapp.services.crm.owner_lookup")
           else "no CRM configured")
    # Alternate no-op and routing bursts, so drift in a shared machine's load hits both.
    totals = {"noop": [0, 0.0], "route": [0, 0.0]}
    size = -(-n // rounds)
    for start in range(0, n, size):
        for kind, (done, seconds) in (("noop", noop_burst(size)),
                                      ("route", route_burst(visitors[start:start + size]))):
            totals[kind][0] += done
            totals[kind][1] += seconds
    outcomes: dict[str, int] = {}
    for vid in visitors:
        outcome = (assignments.get(vid) or assignments.Assignment(None, None)).outcome
        outcomes[str(outcome)] = outcomes.get(str(outcome), 0) + 1
    routed, noop = (totals[k][0] / totals[k][1] for k in ("route", "noop"))
    print(f"routing jobs through one SimpleWorker: {N_RULES} rules, {N_REPS} reps, {crm}; "
          f"{rounds} alternating rounds")
    print(f"  route_visitor: {totals['route'][0]} jobs in {totals['route'][1]:.2f} s = "
          f"{routed:6.1f} jobs/s (outcomes {outcomes})")
    print(f"  RQ no-op:      {totals['noop'][0]} jobs in {totals['noop'][1]:.2f} s = "
          f"{noop:6.1f} jobs/s")
    print(f"  ratio routing / no-op: {routed / noop:.0%}  (SPEC 5 target: at least 50%)")


def cleanup() -> None:
    from flask import current_app

    from liveapp.extensions import redis

    prefix = current_app.config["REDIS_PREFIX"]
    for pattern in (f"{prefix}*", f"rq:*{prefix}*"):
        keys = list(redis.client.scan_iter(match=pattern, count=1000))
        for start in range(0, len(keys), 500):
            redis.client.delete(*keys[start:start + 500])


if __name__ == "__main__":
    main()
