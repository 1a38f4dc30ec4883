"""Soak (issue 13): V visitors with open widget streams and heartbeats on one node.

Starts liveapp as `liveapp web` would (gunicorn gevent, `--workers 2`,
LIVEAPP_WORKER_CONNECTIONS sized for the streams, liveapp.cli's own argv) and `--processors`
`liveapp pipeline` processes, on its own Redis and SQLite file (or a fresh database on
DATABASE_URL's PostgreSQL server), with a few reps and one admin whose board
(`/events/stream?channel=admin`) stays open.

Ramp-up: each of `--visitors` visitors sends its first page view (the 202 carries its
token) and opens its widget stream as liveapp-widget.js does
(`GET /events/stream?channel=visitor:<internal id>&token=<token>`), `--ramp` visitors per
second.
Then, for `--minutes`: every visitor sends a heartbeat every 15 s (as liveapp.js,
spread evenly), and page views of random visitors arrive at `--page-rate`/s.

Reported: the web processes' RSS before and after the streams opened (per open stream),
heartbeat POST → 202 p50/p99 (from the write, and from when it was due: the client's own
queue included), heartbeats answered against scheduled, page view → card on the admin
board p50/p99, errors (non-202 answers, refused or dropped streams), CPU seconds of the web
workers, the pipeline processes and this client during the soak, and the load average.
The baseline in the same run: raw Redis PING round trips from the client, measured
alongside the heartbeats.

The client is one asyncio process on raw sockets (no HTTP library): each stream is one
idle connection, the heartbeats go over `--post-connections` keep-alive connections and
the page views over 4 of their own (so they do not queue behind late heartbeats).

    .venv/bin/python bench/soak.py [--visitors 10000] [--minutes 5] [--page-rate 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import fanout  # noqa: E402

HEARTBEAT_INTERVAL = 15.0  # liveapp.js: setInterval(heartbeat, 15000)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--visitors", type=int, default=10000, help="open widget streams")
    parser.add_argument("--minutes", type=float, default=5.0, help="length of the soak")
    parser.add_argument("--page-rate", type=float, default=5.0, help="page views per second")
    parser.add_argument("--ramp", type=float, default=200.0,
                        help="visitors arriving per second during the ramp-up")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn gevent workers")
    parser.add_argument("--processors", type=int, default=1, help="pipeline processes")
    parser.add_argument("--post-connections", type=int, default=32,
                        help="keep-alive connections the client POSTs over")
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    if args.visitors < 1 or args.minutes <= 0 or args.page_rate < 0 or args.ramp <= 0:
        parser.error("--visitors, --minutes, --ramp must be positive, --page-rate ≥ 0")
    return args


def raise_open_files(wanted: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def rss(pids: list[int]) -> int:
    """Resident bytes of these processes (VmRSS)."""
    total = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
    return total


class Streams:
    """The visitors' widget streams: one idle raw connection each."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.open = 0
        self.refused = 0
        self.dropped = 0
        self.stopping = False
        self.tasks: list[asyncio.Task] = []

    async def hold(self, visitor_id: str, token: str, opened: asyncio.Future) -> None:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port, limit=4096)
            writer.write((f"GET /events/stream?channel=visitor:{visitor_id}&token={token} "
                          "HTTP/1.1\r\nHost: bench\r\nOrigin: https://www.example.com\r\n"
                          "Accept: text/event-stream\r\n\r\n").encode())
            status = await reader.readline()
            if b" 200 " not in status:
                raise ConnectionError(status.decode(errors="replace").strip())
            self.open += 1
            opened.set_result(True)
        except (OSError, ConnectionError, asyncio.IncompleteReadError) as error:
            self.refused += 1
            opened.set_result(False)
            if self.refused <= 3:
                print(f"stream refused: {error!r}")
            return
        try:
            while await reader.read(4096):
                pass  # pings and (rarely) this visitor's events
        except OSError:
            pass
        finally:
            self.open -= 1
            if not self.stopping:
                self.dropped += 1
            writer.close()

    async def start(self, visitor_id: str, token: str) -> bool:
        opened = asyncio.get_running_loop().create_future()
        self.tasks.append(asyncio.create_task(self.hold(visitor_id, token, opened)))
        return await opened


def percentiles(samples: list[float]) -> str:
    return fanout.percentiles(samples)


def event(site_key: str, visitor_id: str, kind: str, seq: int = 0) -> bytes:
    body = {"site_key": site_key, "visitor_id": visitor_id, "type": kind}
    if kind == "page_view":
        body.update(url=f"https://www.example.com/p/{seq}", title=f"bench-page-{seq}-")
    else:
        body["active"] = True
    return json.dumps(body).encode()


async def redis_pings(url: str, samples: list[float], stop: asyncio.Event) -> None:
    from redis.asyncio import Redis as AsyncRedis

    client = AsyncRedis.from_url(url)
    while not stop.is_set():
        started = time.perf_counter()
        await client.ping()
        samples.append(time.perf_counter() - started)
        await asyncio.sleep(0.05)
    await client.aclose()


async def run(args, app, cookies, port: int, web_pids: list[int], pipe_pids: list[int]) -> None:
    from liveapp.infra import realtime

    site_key = app.config["BENCH_SITE_KEY"]
    admin_cookie = next(c for c, is_admin in cookies.values() if is_admin)
    arrivals: dict = {}
    admin = fanout.Board(port, realtime.ADMIN_CHANNEL, admin_cookie, arrivals)
    admin_task = asyncio.create_task(admin.run())
    await asyncio.wait_for(admin.connected.wait(), 30)
    poster = fanout.Poster(port, args.post_connections)
    streams = Streams(port)
    await asyncio.sleep(1.0)
    rss_before = rss(web_pids)

    # Ramp-up: first page view (token), then the widget stream.
    from liveapp.services.tracking.visitor_ids import derive

    secret = app.config["SECRET_KEY"]
    visitors: list[tuple[str, str]] = []
    first_failed = 0
    limit = asyncio.Semaphore(200)

    async def arrive(visitor_id: str) -> None:
        nonlocal first_failed
        async with limit:
            status, _, body = await poster.post(event(site_key, visitor_id, "page_view", -1))
            if status != 202:
                first_failed += 1
                return
            token = json.loads(body)["token"]
            # The widget's channel names the visitor's internal id (GET /t/v1/chat tells
            # the widget; the bench, which holds the secret, derives it).
            if await streams.start(derive(secret, visitor_id), token):
                visitors.append((visitor_id, token))

    started = time.monotonic()
    pending = []
    for n in range(args.visitors):
        delay = started + n / args.ramp - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        pending.append(asyncio.create_task(arrive(str(uuid.uuid4()))))
    await asyncio.gather(*pending)
    ramp = time.monotonic() - started
    await asyncio.sleep(2.0)
    rss_after = rss(web_pids)
    print(f"ramp-up: {len(visitors)} of {args.visitors} visitors streaming in {ramp:.0f} s "
          f"(first page view not 202: {first_failed}, streams refused: {streams.refused}); "
          f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    backlog_start = fanout.backlog(app)[0]
    waited = await fanout.wait_drained(app, 600)
    print(f"pipeline backlog after the ramp: {backlog_start} entries, drained in {waited:.0f} s")

    # The soak: heartbeats every 15 s per visitor, spread evenly; page views at page-rate.
    viewer = fanout.Poster(port, 4)
    beats: list[float] = []
    beats_due: list[float] = []
    scheduled = [0]
    beat_status: dict[int, int] = {}
    view_status: dict[int, int] = {}
    lag = [0.0]
    stop = asyncio.Event()
    pings: list[float] = []
    ping_task = asyncio.create_task(redis_pings(app.config["REDIS_URL"], pings, stop))
    soak_started = time.monotonic()
    end = soak_started + args.minutes * 60
    cpu_before = (sum(fanout.process_cpu(p) for p in web_pids),
                  sum(fanout.process_cpu(p) for p in pipe_pids), time.process_time())
    dropped_before = streams.dropped

    async def beat(visitor_id: str, due: float) -> None:
        status, seconds, _ = await poster.post(event(site_key, visitor_id, "heartbeat"))
        beat_status[status] = beat_status.get(status, 0) + 1
        if status == 202:
            beats.append(seconds)
            beats_due.append(time.monotonic() - due)

    async def heartbeats() -> None:
        interval = HEARTBEAT_INTERVAL / max(len(visitors), 1)
        n = 0
        while (due := soak_started + n * interval) < end:
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                lag[0] = max(lag[0], -delay)
            visitor_id, _ = visitors[n % len(visitors)]
            asyncio.create_task(beat(visitor_id, due))
            scheduled[0] += 1
            n += 1

    async def page_views() -> None:
        if not args.page_rate:
            return
        seq = 0
        while (due := soak_started + seq / args.page_rate) < end:
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            visitor_id, _ = random.choice(visitors)
            fanout.Board.sent_at[seq] = time.time()
            asyncio.create_task(view(visitor_id, seq))
            seq += 1

    async def view(visitor_id: str, seq: int) -> None:
        status, _, _ = await viewer.post(event(site_key, visitor_id, "page_view", seq))
        view_status[status] = view_status.get(status, 0) + 1


    async def progress() -> None:
        while time.monotonic() < end:
            await asyncio.sleep(30)
            print(f"  {time.monotonic() - soak_started:4.0f} s: {streams.open} streams open, "
                  f"{len(beats)} heartbeats, load {os.getloadavg()[0]:.1f}", flush=True)

    await asyncio.gather(heartbeats(), page_views(), progress())
    cpu_after = (sum(fanout.process_cpu(p) for p in web_pids),
                 sum(fanout.process_cpu(p) for p in pipe_pids), time.process_time())
    await asyncio.sleep(3.0)  # the last answers and cards
    stop.set()
    await ping_task
    open_at_end = streams.open
    rss_end = rss(web_pids)
    streams.stopping = True
    workers = [*poster.tasks, *viewer.tasks]
    for task in [*streams.tasks, admin_task, *workers]:
        task.cancel()
    await asyncio.gather(*streams.tasks, admin_task, *workers, return_exceptions=True)

    views = len(fanout.Board.sent_at)
    cards = [v for (_, seq), v in arrivals.items() if seq >= 0]
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{len(visitors)} widget streams, {args.minutes:g} min soak, {args.workers} gevent "
          f"workers, {args.processors} pipeline process(es), database "
          f"{os.environ['DATABASE_URL'].split(':')[0]}; load average at the end: {load}")
    print(f"web processes' RSS: {rss_before / 2**20:.0f} MiB before the streams, "
          f"{rss_after / 2**20:.0f} MiB with them, {rss_end / 2**20:.0f} MiB at the end; per "
          f"open stream {(rss_after - rss_before) / max(len(visitors), 1) / 1024:.1f} KiB "
          f"(at the end {(rss_end - rss_before) / max(len(visitors), 1) / 1024:.1f} KiB)")
    seconds = args.minutes * 60
    print(f"heartbeats: {scheduled[0]} due ({scheduled[0] / seconds:.0f}/s), "
          f"{sum(beat_status.values())} answered by the end + 3 s, answers {beat_status}")
    print(f"  POST → 202 from the write:   {percentiles(beats)}")
    print(f"  POST → 202 from when it was due (client queue included): {percentiles(beats_due)}; "
          f"client scheduling lag max {lag[0] * 1000:.0f} ms")
    cpu = [after - before for before, after in zip(cpu_before, cpu_after, strict=True)]
    print(f"CPU during the soak ({seconds:.0f} s): web workers {cpu[0]:.1f} s "
          f"({cpu[0] / seconds * 100:.0f}% of a core; {cpu[0] / max(len(beats), 1) * 1000:.2f} ms "
          f"per answered heartbeat, pings and page views included), pipeline {cpu[1]:.1f} s, "
          f"this client {cpu[2]:.1f} s")
    print(f"raw Redis PING from the client (baseline): {percentiles(pings)}")
    if beats and len(pings) > 1:
        q = statistics.quantiles
        print(f"ratio heartbeat/Redis PING: p50 "
              f"{q(beats, n=100)[49] / q(pings, n=100)[49]:.1f}x  p99 "
              f"{q(beats, n=100)[98] / q(pings, n=100)[98]:.1f}x")
    print(f"page views: {views} sent, answers {view_status}; page view → card on the admin "
          f"board ({len(cards)}/{views} arrived): {percentiles(cards)}")
    print(f"errors: POST connection errors {poster.errors}, non-202 heartbeats "
          f"{sum(c for s, c in beat_status.items() if s != 202)}, non-202 page views "
          f"{sum(c for s, c in view_status.items() if s != 202)}, streams refused "
          f"{streams.refused}, dropped during the soak {streams.dropped - dropped_before}, "
          f"open at the end {open_at_end}/{len(visitors)}")


def main() -> None:
    args = parse_args()
    soft = raise_open_files(args.visitors + args.post_connections + 1024)
    if soft < args.visitors + args.post_connections + 64:
        raise SystemExit(f"open-files limit {soft} is too low for {args.visitors} streams")
    per_worker = args.visitors + 1000  # gevent does not balance connections between workers
    os.environ.update({"LIVEAPP_WORKER_CONNECTIONS": str(per_worker),
                       "LIVEAPP_TRACKING_VISITOR_LIMIT": "100000000"})
    from liveapp import cli

    with fanout.bench_setup("liveapp-soak-", args.reps) as (app, cookies, folder):
        port = fanout.embedded_redis._free_port()
        argv = cli._gunicorn_argv("127.0.0.1", port, args.workers)
        log = open(folder / "gunicorn.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen(argv, cwd=ROOT, stdout=log, stderr=log)
        processors = fanout.start_processors(args.processors, folder)
        try:
            import httpx

            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            time.sleep(1.0)
            web_pids = fanout.gunicorn_workers(proc.pid)
            print(f"gunicorn: {len(web_pids)} workers, {per_worker} connections each; client "
                  f"open-files limit {soft}")
            asyncio.run(run(args, app, cookies, port, web_pids, [p.pid for p in processors]))
        finally:
            fanout.stop_processes(processors)
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
