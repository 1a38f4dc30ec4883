"""Event pipeline CPU per page view, in process, by batch size (issue 13: ≤ 3 ms at 50).

Sets up liveapp on its own embedded Redis and a SQLite file in a temporary folder (or a
fresh database on DATABASE_URL's PostgreSQL server; REDIS_URL when set, under a prefix of
its own), with SPEC 5's configuration (bench/settings_fixture.py: 20 segments, 10
experiences, 5 streams, 10 routing rules), `--reps` reps and `--visitors` live visitors,
each routed to a random rep and placed in a stream by a first, unmeasured page view.

Then, for `--views` page views of random ones of those visitors, each accepted first
(`visitor_events.accept`, as the events API does: limits, hot presence, the append to the
visitor's shard stream; not in the figures):
- baseline: batch size 1, each event processed alone through `pipeline.process_batch`
  (one event per unit of work: record, commit, dispatch its changes (membership, card,
  ...), acknowledge; what the request used to do per event before the inline path was
  removed), CPU timed around each `process_batch` call only (not the stream reads);
- for each `--batches` size: the events are read and processed by `pipeline.read` +
  `pipeline.process_batch` in batches of that size (as `liveapp pipeline` does), CPU timed
  around the whole drain, reads included. The ratio printed is against the baseline.

CPU is time.process_time of this process only (SQLite's work is in it, Redis's and
PostgreSQL's are not). Nobody subscribes to the boards' channels; every batch size
publishes the same cards. At batch 50 it also prints CPU per page view by phase (read,
record + commit, each change-bus stage, the reports' visitor hours, acknowledge), from
timers wrapped around those functions; `--profile` adds a cProfile (CPU clock) of the
drain at batch 50, top 15 by cumulative and by own time.

    .venv/bin/python bench/pipeline_cpu.py [--views 400] [--visitors 200] [--batches 1,10,50,200]
    .venv/bin/python bench/pipeline_cpu.py --profile
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from page_view_profile import setup  # noqa: E402  (the same app, settings, reps and site)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--views", type=int, default=400, help="page views per measurement")
    parser.add_argument("--visitors", type=int, default=200, help="live, routed visitors")
    parser.add_argument("--reps", type=int, default=20, help="reps the visitors are routed to")
    parser.add_argument("--batches", default="1,10,50,200", help="batch sizes, comma-separated")
    parser.add_argument("--profile", action="store_true",
                        help="cProfile the drain at batch 50: top 15 by cumulative, own time")
    parser.add_argument("--profile-batch", type=int, default=50,
                        help="the batch size --profile profiles (default 50)")
    parser.add_argument("--profile-out", help="also save the profile here (pstats file)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    try:
        args.batches = [int(b) for b in args.batches.split(",")]
    except ValueError:
        parser.error("--batches: whole numbers separated by commas, e.g. 1,10,50")
    if any(b < 1 for b in args.batches) or args.views < 1 or args.visitors < 1:
        parser.error("--batches, --views and --visitors must be at least 1")
    return args


def page_view(site_key: str, visitor_id: str, seq: int):
    from liveapp.domain.events import parse_event

    # URLs that match the settings' segments and experiences (/pageN, utm_source=ads).
    return parse_event({"site_key": site_key, "visitor_id": visitor_id, "type": "page_view",
                        "url": f"https://www.example.com/page{seq % 12}?utm_source=ads",
                        "title": f"bench-page-{seq}"})


class Runner:
    def __init__(self, app, args) -> None:
        from liveapp.extensions import db
        from liveapp.models import User
        from liveapp.services.membership import live_membership
        from liveapp.services.routing import assignments
        from liveapp.services.settings import sites
        from liveapp.services.tracking import pipeline, visitor_events

        self.app, self.args = app, args
        self.rng = random.Random(args.seed)
        self.seq = 0
        self.site = sites.site_for_key(app.config["BENCH_SITE_KEY"])
        rep_ids = list(db.session.scalars(db.select(User.id)))
        self.visitors = [str(uuid.uuid4()) for _ in range(args.visitors)]
        for visitor_id in self.visitors:
            assignments.save(visitor_id, assignments.Assignment(
                "Bench rule", "first_available", routed_to=[self.rng.choice(rep_ids)],
                explanation="bench"))
            visitor_events.accept(self.next_view(visitor_id), self.site, "127.0.0.1", time.time())
        pipeline.drain("bench-setup")  # record the first page views (placing the visitors)
        placed = sum(1 for v in self.visitors
                     if (m := live_membership.stored(v)) is not None and m.stream_id is not None)
        print(f"{len(self.visitors)} visitors routed to {len(rep_ids)} reps; {placed} placed "
              f"in a stream")

    def next_view(self, visitor_id: str):
        self.seq += 1
        return page_view(self.site_key, visitor_id, self.seq)

    @property
    def site_key(self) -> str:
        return self.app.config["BENCH_SITE_KEY"]

    def views(self, count: int) -> list:
        return [self.next_view(self.rng.choice(self.visitors)) for _ in range(count)]

    def one_by_one(self, count: int) -> float:
        """The baseline: `count` page views accepted, then each processed alone through
        pipeline.process_batch (one event per unit of work); CPU seconds of those calls."""
        from liveapp.services.tracking import pipeline

        self.accept(count)
        pipeline.ensure_groups()
        spent = 0.0
        while entries := pipeline.read("bench", 1, None):  # one entry of each shard
            for entry in entries:
                started = time.process_time()
                pipeline.process_batch([entry])
                spent += time.process_time() - started
        return spent

    def accept(self, count: int) -> float:
        """Append `count` page views to the stream as the API does; CPU seconds."""
        from liveapp.services.tracking import visitor_events

        started = time.process_time()
        for event in self.views(count):
            visitor_events.accept(event, self.site, "127.0.0.1", time.time())
        return time.process_time() - started

    def drain(self, batch: int, profiler: cProfile.Profile | None = None
              ) -> tuple[float, int, int]:
        """CPU seconds, batches, and distinct visitors summed over the batches, to read and
        process the whole stream `batch` at a time."""
        from liveapp.services.tracking import pipeline

        pipeline.ensure_groups()
        batches = distinct = 0
        if profiler is not None:
            profiler.enable()
        started = time.process_time()
        # Up to `batch` entries of each shard a read, processed `batch` at a time, as
        # processors.Processor does.
        while entries := pipeline.read("bench", batch, None):
            for start in range(0, len(entries), batch):
                chunk = entries[start:start + batch]
                pipeline.process_batch(chunk)
                batches += 1
                distinct += len({e.visitor_id for e in chunk})
        spent = time.process_time() - started
        if profiler is not None:
            profiler.disable()
        return spent, batches, distinct


SPENT: dict[str, float] = {}


def wrap_phases() -> None:
    """CPU timers around the pipeline's phases (where their callers look them up)."""
    from liveapp.services.bus import changes
    from liveapp.services.tracking import pipeline, recording, visitor_hours

    def timed(module, name, label_of):
        original = getattr(module, name)

        def wrapper(*args, **kwargs):
            started = time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                label = label_of(*args)
                SPENT[label] = SPENT.get(label, 0.0) + time.process_time() - started

        setattr(module, name, wrapper)

    timed(pipeline, "read", lambda *a: "read (XREADGROUP over the shards, decode)")
    timed(recording, "record_batch", lambda *a: "record + commit (record_batch)")
    timed(changes, "_run", lambda stage, *a: f"bus stage {stage}")
    timed(visitor_hours, "record", lambda *a: "visitor hours (visitor_hours.record)")


def ms(seconds: float, count: int) -> str:
    return f"{seconds / count * 1000:6.2f} ms"


def run(app, args) -> None:
    from liveapp.extensions import db
    from liveapp.models import PageView

    runner = Runner(app, args)
    # Warm-up: compiled settings, templates, statement caches.
    runner.one_by_one(20)
    runner.accept(20)
    runner.drain(10)
    rows_before = db.session.scalar(db.select(db.func.count()).select_from(PageView))
    n = args.views
    baseline = runner.one_by_one(n)
    results = []
    accept_cpu = 0.0
    for batch in args.batches:
        accept_cpu += runner.accept(n)
        spent, batches, distinct = runner.drain(batch)
        results.append((batch, spent, batches, distinct))
    wrap_phases()
    runner.accept(n)
    phased, _, _ = runner.drain(50)
    rows = db.session.scalar(db.select(db.func.count()).select_from(PageView)) - rows_before
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{n} page views per measurement, {len(runner.visitors)} visitors, database "
          f"{db.engine.dialect.name}; load average (1/5/15 min): {load} (2 cores, shared)")
    print(f"page views recorded: {rows} of {n * (2 + len(args.batches))}")
    print(f"baseline, batch 1 (process_batch per event, one unit of work each): "
          f"{ms(baseline, n)} CPU per page view")
    print(f"accept (visitor_events.accept, the events API's part): "
          f"{ms(accept_cpu, n * len(args.batches))} CPU per page view")
    for batch, spent, batches, distinct in results:
        print(f"pipeline batch {batch:>4} ({batches:>3} batches, {distinct / batches:5.1f} "
              f"distinct visitors each): {ms(spent, n)} CPU per page view  = "
              f"{spent / baseline:.2f}x baseline")
    print(f"batch 50 again, with timers ({ms(phased, n)} CPU per page view), by phase:")
    for label, seconds in sorted(SPENT.items(), key=lambda kv: -kv[1]):
        print(f"  {label:<42} {ms(seconds, n)}")
    print(f"  {'(rest: hot states, XACK/XDEL, announce)':<42} "
          f"{ms(phased - sum(SPENT.values()), n)}")
    if args.profile:
        profiler = cProfile.Profile(time.process_time)  # CPU, not waits on a busy machine
        runner.accept(n)
        spent, batches, _ = runner.drain(args.profile_batch, profiler)
        if args.profile_out:
            profiler.dump_stats(args.profile_out)
        print(f"\n-- profiled: {n} page views at batch {args.profile_batch} ({batches} batches), "
              f"{ms(spent, n)} CPU per page view under the profiler")
        for order in ("cumulative", "tottime"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order).print_stats(15)
            print(f"\n-- top 15 by {order}:")
            print(out.getvalue().split("\n", 4)[-1].rstrip())


def main() -> None:
    args = parse_args()
    folder = Path(tempfile.mkdtemp(prefix="liveapp-pipecpu-"))
    server = database = None
    try:
        app, server, database, _ = setup(folder, args.reps)
        with app.app_context():
            run(app, args)
    finally:
        if server is not None:
            from liveapp import embedded_redis

            embedded_redis.stop(folder / "redis", server)
        if database is not None:
            database.drop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
