"""Crash run (issue 13): `kill -9` a pipeline processor mid-load; nothing lost, nothing twice.

Starts liveapp under gunicorn (gevent, 2 workers) on its own Redis and SQLite file (or a
fresh database on DATABASE_URL's PostgreSQL server), plus `--processors` (default 2)
`liveapp pipeline` processes, and a few reps + 1 admin. Then it POSTs page views at
`--rate` for `--duration` seconds from `--visitors` new visitors, each page view titled
with its sequence number. Halfway, it waits until the first processor has entries pending
(it is inside a batch), `kill -9`s it and starts another processor. After the last POST it
waits until the shard streams are empty (the dead processor's shard leases expire after
LIVEAPP_PIPELINE_LEASE, `--lease`; the processors that take those shards over claim their
pending entries first, with XAUTOCLAIM), then compares the page_views table with the 202
answers:

- lost = page views answered 202 whose title is not in page_views (and 202s − rows);
- duplicated = rows − distinct event ids, and rows − distinct titles.

Both must be 0. The baseline in the same run is the processors' throughput before the kill
(page views recorded per second), against the time it took to drain after the last POST.

    .venv/bin/python bench/pipeline_crash.py [--rate 50] [--duration 20] [--visitors 500]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import fanout  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=50.0, help="page views per second")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of posting")
    parser.add_argument("--visitors", type=int, default=500, help="distinct new visitors")
    parser.add_argument("--processors", type=int, default=2, help="pipeline processes")
    parser.add_argument("--reps", type=int, default=5, help="reps (boards are not opened)")
    parser.add_argument("--lease", type=float, default=3.0,
                        help="LIVEAPP_PIPELINE_LEASE: seconds before a dead processor's "
                             "shards are taken over")
    parser.add_argument("--batch", type=int, default=50, help="the processors' --batch")
    args = parser.parse_args()
    if (args.processors < 1 or args.rate <= 0 or args.duration <= 0 or args.visitors < 1
            or args.lease <= 0):
        parser.error("--processors, --rate, --duration, --visitors and --lease must be "
                     "positive")
    return args


def consumer_name(pid: int) -> str:
    return f"{socket.gethostname()}:{pid}"  # as `liveapp pipeline` names itself


def pending_of(app, consumer: str) -> int:
    from liveapp.extensions import redis
    from liveapp.services.tracking import pipeline

    total = 0
    with app.app_context():
        for key in pipeline.stream_keys():
            try:
                rows = redis.client.xpending(key, pipeline.GROUP)["consumers"]
            except Exception:  # noqa: BLE001  (no group yet)
                continue
            for row in rows:
                name = row["name"].decode() if isinstance(row["name"], bytes) else row["name"]
                if name == consumer:
                    total += int(row["pending"])
    return total


async def wait_consumers(folder: Path, count: int, timeout: float = 90) -> None:
    """Until `count` processors log that they own shards (they take a while to start, and
    a later one gets shards only once the first gives back what is above its fair share)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        logs = [log.read_text(errors="replace") for log in folder.glob("pipeline-*.log")]
        if sum(1 for text in logs if re.search(r"owns shards \[\d", text)) >= count:
            return
        await asyncio.sleep(0.2)
    raise SystemExit(f"{count} pipeline processors did not start reading in {timeout:g} s")


def recorded_count(app) -> int:
    from liveapp.extensions import db
    from liveapp.models import PageView

    with app.app_context():
        count = db.session.scalar(db.select(db.func.count()).select_from(PageView))
        db.session.remove()
        return count


async def post_all(port: int, site_key: str, picks: list[str], rate: float,
                   statuses: dict[int, int]) -> None:
    poster = fanout.Poster(port, 64)  # raw keep-alive connections (see fanout.Poster)

    async def post(seq: int, visitor_id: str) -> None:
        body = fanout.page_view(site_key, visitor_id, f"crash-{seq}", f"/p/{seq}")
        statuses[seq], _, _ = await poster.post(body)

    await poster.paced(picks, rate, post)


async def crash_one(app, args, folder: Path, processors: list, report: dict) -> None:
    """Halfway: kill -9 the first processor while it holds a batch, start another."""
    await asyncio.sleep(args.duration / 2)
    victim = processors[0]
    name = consumer_name(victim.pid)
    deadline = time.monotonic() + args.duration / 2
    while pending_of(app, name) == 0 and time.monotonic() < deadline:
        await asyncio.sleep(0.005)
    report["at_kill"] = time.monotonic()
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    report["pending_at_kill"] = pending_of(app, name)
    # Off the event loop: a database read may wait for the processors' writes.
    report["rows_at_kill"] = await asyncio.to_thread(recorded_count, app)
    processors.extend(fanout.start_processors(1, folder, args.batch))


def verify(app) -> dict:
    from liveapp.extensions import db
    from liveapp.models import PageView

    with app.app_context():
        rows = db.session.execute(db.select(PageView.title, PageView.event_id)).all()
        db.session.remove()
    titles = [t for t, _ in rows]
    return {"rows": len(rows), "event_ids": len({e for _, e in rows}),
            "no_event_id": sum(1 for _, e in rows if e is None),
            "titles": set(titles), "distinct_titles": len(set(titles))}


async def run(app, args, folder: Path, port: int, processors: list) -> None:
    site_key = app.config["BENCH_SITE_KEY"]
    visitors = [str(uuid.uuid4()) for _ in range(args.visitors)]
    picks = [random.choice(visitors) for _ in range(int(args.rate * args.duration))]
    statuses: dict[int, int] = {}
    report: dict = {}
    await wait_consumers(folder, len(processors))
    started = time.monotonic()
    await asyncio.gather(post_all(port, site_key, picks, args.rate, statuses),
                         crash_one(app, args, folder, processors, report))
    left = fanout.backlog(app)
    waited = await fanout.wait_drained(app, 120 + args.lease)
    still = fanout.backlog(app)
    found = await asyncio.to_thread(verify, app)
    accepted = {seq for seq, status in statuses.items() if status == 202}
    missing = [seq for seq in accepted if f"crash-{seq}" not in found["titles"]]
    unanswered = [t for t in found["titles"] if t and int(t.split("-")[1]) not in accepted]
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    before_rate = report["rows_at_kill"] / (report["at_kill"] - started)
    print(f"{len(picks)} page views POSTed at {args.rate:g}/s over {args.duration:g} s from "
          f"{args.visitors} visitors; {args.processors} processors, batch {args.batch}, lease "
          f"{args.lease:g} s; database {os.environ['DATABASE_URL'].split(':')[0]}")
    print(f"load average (1/5/15 min) at the end: {load} (2 cores, shared)")
    others = {s: sum(1 for v in statuses.values() if v == s) for s in set(statuses.values())}
    print(f"answers: {others}")
    print(f"killed processor {processors[0].pid} (kill -9) {report['at_kill'] - started:.1f} s "
          f"in, holding {report['pending_at_kill']} pending entries; started another")
    print(f"stream after the last POST: {left[0]} entries ({left[1]} pending); drained in "
          f"{waited:.1f} s; left now: {still[0]}")
    print(f"baseline: processors recorded {before_rate:.0f} page views/s before the kill "
          f"(posting at {args.rate:g}/s)")
    print(f"202 answers {len(accepted)}, page_views rows {found['rows']}, distinct event ids "
          f"{found['event_ids']} (rows without one: {found['no_event_id']}), distinct titles "
          f"{found['distinct_titles']}; rows/202s = {found['rows'] / max(len(accepted), 1):.4f}")
    lost = max(len(accepted) - found["rows"], len(missing))
    duplicated = max(found["rows"] - found["event_ids"], found["rows"] - found["distinct_titles"])
    print(f"LOST {lost} (202s − rows {len(accepted) - found['rows']}, 202s without a row "
          f"{len(missing)})   DUPLICATED {duplicated} (rows − distinct event ids "
          f"{found['rows'] - found['event_ids']}, rows − distinct titles "
          f"{found['rows'] - found['distinct_titles']})   rows without a 202: {len(unanswered)}")
    for log in sorted(folder.glob("pipeline-*.log")):
        text = log.read_text(errors="replace")
        print(f"{log.name}: {text.count(' ERROR ')} errors, {text.count(' WARNING ')} warnings"
              + "".join(f"\n    {line[:300]}" for line in [
                  line for line in text.splitlines()
                  if any(word in line for word in (" ERROR ", "Error", "DETAIL", "deadlock"))][:6]))
    print("PASS" if lost == 0 and duplicated == 0 and not unanswered else "FAIL")


def main() -> None:
    args = parse_args()
    os.environ.update({"LIVEAPP_PIPELINE_LEASE": repr(args.lease),
                       "LIVEAPP_TRACKING_VISITOR_LIMIT": "100000000"})
    with fanout.bench_setup("liveapp-crash-", args.reps) as (app, _cookies, folder):
        proc, port = fanout.start_gunicorn(2, folder, "liveapp:create_app()")
        processors = fanout.start_processors(args.processors, folder, args.batch)
        try:
            asyncio.run(run(app, args, folder, port, processors))
        finally:
            fanout.stop_processes(processors)
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
            print(f"logs: {folder} (removed on exit)")


if __name__ == "__main__":
    main()
