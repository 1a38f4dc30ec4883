"""Fan-out benchmark: event → card arrival latency at the routed rep's SSE stream.

Starts liveapp under gunicorn (gevent, 2 workers) on its own Redis and SQLite database,
creates N reps + 1 admin and connects N+1 SSE boards. Then, at a steady rate:

- `--source api` (default): page views are POSTed to the public events API
  (`POST /t/v1/events`) for visitors already routed to random reps (through
  `assignments.save`) and placed in a stream. The server only accepts (limits, hot
  presence, XADD to the visitor's shard stream); `--processors` `liveapp pipeline`
  processes record the events in batches and dispatch the cards.
  Measured: POST → 202, POST sent → card event (carrying that page's title) arriving on
  the routed rep's stream, and on the admin's; CPU seconds of the web and pipeline
  processes per page view (/proc utime + stime).
- `--source send`: card events are published directly with `realtime.send` to random
  reps' channels (plus an admin copy): the fan-out alone.

In the same run, a raw Redis subscriber measures PUBLISH→message latency at the same
rate: the baseline.

    .venv/bin/python bench/fanout.py [--reps 500] [--rate 100] [--duration 10]
        [--processors 1] [--batch 50]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from redis import Redis  # noqa: E402
from redis.asyncio import Redis as AsyncRedis  # noqa: E402

from liveapp import embedded_redis  # noqa: E402

USER_AGENT = "liveapp-bench"
TRACKED_TITLE = re.compile(r"bench-page-(\d+)-")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=500, help="rep boards connected")
    parser.add_argument("--rate", type=float, default=100.0, help="events per second")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of publishing")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn gevent workers")
    parser.add_argument("--payload", type=int, default=1500, help="bytes of card HTML")
    parser.add_argument("--no-admin-copy", action="store_true",
                        help="do not also publish each event to the admin channel")
    parser.add_argument("--ping-interval", type=float, default=15.0,
                        help="seconds between SSE pings (each refreshes board presence)")
    parser.add_argument("--compare-flask-sse", action="store_true",
                        help="then run the same load against a minimal flask-sse app "
                             "(implies --source send)")
    parser.add_argument("--source", choices=("api", "send"), default="api",
                        help="api: page views through POST /t/v1/events; send: realtime.send")
    parser.add_argument("--visitors", type=int, default=200,
                        help="(api) live visitors, each routed to a random rep")
    parser.add_argument("--processors", type=int, default=1,
                        help="(api) `liveapp pipeline` processes")
    parser.add_argument("--batch", type=int, default=50,
                        help="(api) the processors' --batch")
    args = parser.parse_args()
    if args.compare_flask_sse:
        args.source = "send"
    if args.processors < 1:
        parser.error("--processors must be at least 1")
    return args


def setup(folder: Path, reps: int, database_url: str):
    """Own Redis and database, an app on them, N reps + 1 admin; returns (app, server)."""
    server = embedded_redis.start(folder / "redis")
    os.environ.update({
        "LIVEAPP_INSTANCE": str(folder), "REDIS_URL": server.url,
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_hex(16), "LIVEAPP_REDIS_PREFIX": "bench:",
        # One client IP sends every visitor's events here, some visitors many a second.
        "LIVEAPP_TRACKING_IP_LIMIT": "100000000", "LIVEAPP_TRACKING_VISITOR_LIMIT": "100000000",
    })
    from liveapp import create_app
    from liveapp.extensions import db
    from liveapp.models import User
    from liveapp.services.ops.schema import migrate_to_head

    app = create_app()
    migrate_to_head(app)
    with app.app_context():
        rows = [dict(email=f"rep{i}@bench.test", name=f"Rep {i}", role="rep")
                for i in range(reps)]
        rows.append(dict(email="admin@bench.test", name="Admin", role="admin"))
        for row in rows:  # logins are forged below, so no password hashing is needed
            row.update(password_hash="!", is_chat_user=True, availability="available",
                       max_concurrent_chats=3, active=True)
        db.session.execute(db.insert(User), rows)
        db.session.commit()
        configure_tracking(app)
    return app, server


def configure_tracking(app) -> None:
    """A site, and one stream every visitor with a page lands in."""
    from liveapp.extensions import db
    from liveapp.models import Segment, Stream
    from liveapp.services.membership import live_membership
    from liveapp.services.settings import sites

    site = sites.save_site(None, name="Bench", allowed_origins=[])
    app.config["BENCH_SITE_KEY"] = site.site_key
    segment = Segment(name="Anyone", criteria={"match": "all", "conditions": [
        {"field": "current_url", "operator": "contains", "value": "/"}]})
    db.session.add(Stream(name="Everyone", colour="#2f5bea", position=0, segments=[segment]))
    db.session.commit()
    live_membership.bump_settings_version()


def route_visitors(app, rep_ids: list[int], count: int) -> dict[str, int]:
    """`count` visitors' cookie ids (what the bench posts), each routed to a random rep
    (as the routing job will, under the visitor's internal id)."""
    from liveapp.services.bus import changes
    from liveapp.services.routing import assignments
    from liveapp.services.tracking.visitor_ids import internal_id

    # The benchmark's own process has nothing to show: no board updates from here.
    routed = {str(uuid.uuid4()): random.choice(rep_ids) for _ in range(count)}
    with app.app_context(), changes.muted():
        for cookie_id, rep_id in routed.items():
            assignments.save(internal_id(cookie_id), assignments.Assignment(
                "Bench rule", "first_available", routed_to=[rep_id], explanation="bench"))
    return routed


def session_cookies(app) -> dict[int, tuple[str, bool]]:
    """A signed session cookie per user, as the login form would set (no hashing cost)."""
    from flask import session
    from flask_login import login_user

    from liveapp.extensions import db
    from liveapp.models import User

    cookies = {}
    signer = app.session_interface.get_signing_serializer(app)
    with app.app_context():
        for user in db.session.scalars(db.select(User)):
            with app.test_request_context(
                "/", headers={"User-Agent": USER_AGENT}, environ_base={"REMOTE_ADDR": "127.0.0.1"}
            ):
                login_user(user)
                cookies[user.id] = (signer.dumps(dict(session)), user.is_admin)
    return cookies


def start_gunicorn(workers: int, folder: Path, app_path: str) -> tuple[subprocess.Popen, int]:
    port = embedded_redis._free_port()
    argv = [sys.executable, "-m", "gunicorn", "--worker-class", "gevent",
            "--workers", str(workers), "--worker-connections", "4000", "--pythonpath", "bench",
            "--bind", f"127.0.0.1:{port}", "--graceful-timeout", "2", app_path]
    log = open(folder / "gunicorn.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=log, stderr=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            import httpx

            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc, port
        except Exception:  # noqa: BLE001  (not up yet)
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"gunicorn did not start; see {folder / 'gunicorn.log'}")


class Board:
    """One SSE client on a raw asyncio connection (HTTP/1.1, chunked)."""

    sent_at: dict[int, float] = {}  # (api) when each page view was POSTed, by sequence
    answered: list[float] = []  # (api) POST → 202 latencies
    # (api) each visitor's page views by sequence: a batch renders a visitor's card once,
    # with its latest page, so that card also delivers the visitor's earlier page views.
    seqs_of: dict[str, list[int]] = {}
    visitor_of: dict[int, str] = {}
    own_cards: set = set()  # (channel, seq) of cards carrying their own page's title
    statuses: dict = {}  # (api) answers by status (or the client error's name)

    def __init__(self, port: int, channel: str, cookie: str, arrivals: dict,
                 plain_channel: str | None = None) -> None:
        self.port, self.channel, self.cookie, self.arrivals = port, channel, cookie, arrivals
        self.connected = asyncio.Event()
        # flask-sse's own stream: no auth, the Redis channel name, nothing sent up front.
        self.plain_channel = plain_channel

    async def run(self) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        writer.write((
            f"GET /events/stream?channel={self.plain_channel or self.channel} HTTP/1.1\r\n"
            f"Host: bench\r\nUser-Agent: {USER_AGENT}\r\nCookie: session={self.cookie}\r\n"
            "Accept: text/event-stream\r\n\r\n"
        ).encode())
        if self.plain_channel:
            self.connected.set()  # run_clients waits for its Redis subscription instead
        status = await reader.readline()
        if b" 200 " not in status:
            raise RuntimeError(f"{self.channel}: {status!r}")
        while (await reader.readline()) not in (b"\r\n", b""):
            pass
        buffer = ""
        try:
            while True:
                size = int((await reader.readline()).strip() or b"0", 16)
                if size == 0:
                    return
                chunk = (await reader.readexactly(size + 2))[:-2].decode()
                now = time.time()
                buffer += chunk
                *frames, buffer = buffer.split("\n\n")
                for frame in frames:
                    self.on_frame(frame, now)
        finally:
            writer.close()

    def on_frame(self, frame: str, now: float) -> None:
        if frame.startswith(": connected"):
            self.connected.set()
        tracked = TRACKED_TITLE.search(frame)
        if tracked is not None:  # a card rendered from a tracked page view
            seq = int(tracked.group(1))
            self.own_cards.add((self.channel, seq))
            for earlier in self.seqs_of.get(self.visitor_of.get(seq), (seq,)):
                if earlier > seq:
                    break
                self.arrivals.setdefault((self.channel, earlier), now - self.sent_at[earlier])
            return
        for line in frame.split("\n"):
            if line.startswith("data:") and "|" in line:
                seq, sent, _ = line[5:].lstrip(" ").split("|", 2)
                self.arrivals[(self.channel, int(seq))] = now - float(sent)
                return


async def baseline_subscriber(url: str, channel: str, arrivals: dict, ready: asyncio.Event):
    client = AsyncRedis.from_url(url)
    pubsub = client.pubsub()
    await pubsub.subscribe(channel)
    ready.set()
    try:
        async for message in pubsub.listen():
            if message["type"] == "message":
                seq, sent = message["data"].decode().split("|")
                arrivals[int(seq)] = time.time() - float(sent)
    finally:
        await pubsub.aclose()
        await client.aclose()


def publish(app, plan, rate: float, payload: int, admin_copy: bool, baseline: str, done,
            cards: bool = True):
    """Publish the plan at a steady rate: baseline PUBLISH, then (unless the cards come
    from tracked page views) the card via send()."""
    from liveapp.infra import realtime

    raw = Redis.from_url(app.config["REDIS_URL"])
    padding = "<div class='card'>" + "x" * payload + "</div>"
    with app.app_context():
        start = time.monotonic()
        for seq, user_id in enumerate(plan):
            delay = start + seq / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            raw.publish(baseline, f"{seq}|{time.time()!r}")
            if not cards:
                continue
            data = f"{seq}|{time.time()!r}|{padding}"
            realtime.send(realtime.rep_channel(user_id), "card", data)
            if admin_copy:
                realtime.send(realtime.ADMIN_CHANNEL, "card", data)
    done.set()


def percentiles(samples: list[float]) -> str:
    if len(samples) < 2:
        return "n/a"
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return f"p50 {cuts[49] * 1000:6.1f} ms  p95 {cuts[94] * 1000:6.1f} ms  " \
           f"p99 {cuts[98] * 1000:6.1f} ms  max {max(samples) * 1000:6.1f} ms"


async def wait_subscribed(app, channels: list[str], timeout: float = 60) -> None:
    """Wait until every channel has a Redis subscriber (flask-sse subscribes per client)."""
    client = Redis.from_url(app.config["REDIS_URL"])
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        counts = dict(client.pubsub_numsub(*channels))
        if all(counts.get(c.encode(), 0) for c in channels):
            return
        await asyncio.sleep(0.2)
    raise SystemExit("flask-sse boards did not all subscribe in time")


def gunicorn_workers(master_pid: int) -> list[int]:
    """The pids of gunicorn's worker processes (Linux /proc)."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    return [int(pid) for pid in children]


def process_cpu(pid: int) -> float:
    """CPU seconds (utime + stime) used so far by one process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def workers_cpu(master_pid: int) -> float:
    """CPU seconds used so far by gunicorn's worker processes."""
    return sum(process_cpu(pid) for pid in gunicorn_workers(master_pid))


def start_processors(count: int, folder: Path, batch: int = 50,
                     env: dict | None = None) -> list[subprocess.Popen]:
    """`count` `liveapp pipeline` processes on this run's Redis and database (inherited
    environment), logging to <folder>/pipeline-<n>.log."""
    procs = []
    for n in range(count):
        log = open(folder / f"pipeline-{n}.log", "ab")  # noqa: SIM115
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "liveapp.cli", "pipeline", "--batch", str(batch)],
            cwd=ROOT, stdout=log, stderr=log, env={**os.environ, **(env or {})}))
    return procs


def stop_processes(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def backlog(app) -> tuple[int, int]:
    """(entries in the shards' event streams, entries pending with a consumer)."""
    from liveapp.extensions import redis
    from liveapp.services.tracking import pipeline

    length = pending = 0
    with app.app_context():
        for key in pipeline.stream_keys():
            length += redis.client.xlen(key)
            with contextlib.suppress(Exception):  # no group yet: nothing pending
                pending += redis.client.xpending(key, pipeline.GROUP)["pending"]
    return length, pending


async def wait_drained(app, timeout: float) -> float:
    """Wait until the events stream is empty (processed entries are deleted); seconds
    waited. Returns at the timeout whatever is left."""
    started = time.monotonic()
    while time.monotonic() - started < timeout and backlog(app)[0]:
        await asyncio.sleep(0.1)
    return time.monotonic() - started


async def run_clients(args, app, cookies, port, server_pid, plain: bool = False,
                      processors: list[subprocess.Popen] = ()) -> None:
    from liveapp.infra import realtime

    sse_arrivals: dict = {}
    base_arrivals: dict = {}
    boards = []
    for user_id, (cookie, is_admin) in cookies.items():
        channel = realtime.ADMIN_CHANNEL if is_admin else realtime.rep_channel(user_id)
        with app.app_context():
            plain_channel = realtime.redis_channel(channel) if plain else None
        boards.append(Board(port, channel, cookie, sse_arrivals, plain_channel))
    limit = asyncio.Semaphore(50)

    async def connect(board: Board):
        async with limit:
            task = asyncio.create_task(board.run())
            await asyncio.wait_for(board.connected.wait(), 30)
            return task

    started = time.monotonic()
    tasks = await asyncio.gather(*(connect(b) for b in boards))
    if plain:
        await wait_subscribed(app, [b.plain_channel for b in boards])
    print(f"{len(boards)} boards connected in {time.monotonic() - started:.1f} s")
    with app.app_context():
        from liveapp.extensions import redis

        baseline = redis.key("bench", "baseline")
        subscribers = len(redis.client.client_list(_type="pubsub"))
    ready = asyncio.Event()
    base_task = asyncio.create_task(
        baseline_subscriber(app.config["REDIS_URL"], baseline, base_arrivals, ready))
    await ready.wait()

    rep_ids = [uid for uid, (_, is_admin) in cookies.items() if not is_admin]
    api = args.source == "api"
    posts = None
    if api:
        routed = route_visitors(app, rep_ids, args.visitors)
        await warm_up(port, app.config["BENCH_SITE_KEY"], list(routed))
        await wait_drained(app, 60)
        await asyncio.sleep(1.0)  # let their cards reach the boards before measuring
        visitor_ids = list(routed)
        picks = [random.choice(visitor_ids) for _ in range(int(args.rate * args.duration))]
        for seq, visitor_id in enumerate(picks):
            Board.visitor_of[seq] = visitor_id
            Board.seqs_of.setdefault(visitor_id, []).append(seq)
        plan = [routed[vid] for vid in picks]
    else:
        plan = [random.choice(rep_ids) for _ in range(int(args.rate * args.duration))]
    done = threading.Event()
    web_pids = gunicorn_workers(server_pid)
    pipe_pids = [p.pid for p in processors]
    web_before = sum(process_cpu(pid) for pid in web_pids)
    pipe_before = sum(process_cpu(pid) for pid in pipe_pids)
    thread = threading.Thread(target=publish, args=(
        app, plan, args.rate, args.payload, not args.no_admin_copy, baseline, done, not api))
    thread.start()
    if api:
        posts = asyncio.create_task(
            post_page_views(port, app.config["BENCH_SITE_KEY"], picks, args.rate))
    while not done.is_set() or (posts is not None and not posts.done()):
        await asyncio.sleep(0.2)
    failed = posts.result() if posts is not None else 0
    left = backlog(app)[0] if api else 0
    drained = await wait_drained(app, 120) if api else 0.0
    web_cpu = sum(process_cpu(pid) for pid in web_pids) - web_before
    pipe_cpu = sum(process_cpu(pid) for pid in pipe_pids) - pipe_before
    deadline = time.monotonic() + 5
    expected = len(plan) * (1 if args.no_admin_copy and not api else 2)
    while len(sse_arrivals) < expected and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    for task in [*tasks, base_task]:
        task.cancel()
    await asyncio.gather(*tasks, base_task, return_exceptions=True)
    report(args, plan, sse_arrivals, base_arrivals, subscribers)
    if api:
        print(f"page views posted: {len(plan)}, not answered 202: {failed} (answers "
              f"{Board.statuses}); POST → answer: {percentiles(Board.answered)}")
        if processors:
            print(f"stream backlog when the last POST was answered: {left} entries; "
                  f"drained {drained:.1f} s later")
        total = web_cpu + pipe_cpu
        print(f"CPU per page view: web {web_cpu / len(plan) * 1000:.2f} ms + pipeline "
              f"{pipe_cpu / len(plan) * 1000:.2f} ms = {total / len(plan) * 1000:.2f} ms "
              f"(web {web_cpu:.2f} s, {len(processors)} pipeline process(es) {pipe_cpu:.2f} s)")
    else:
        print(f"web workers' CPU while publishing: {web_cpu:.2f} s over {args.duration:g} s")


def page_view(site_key: str, visitor_id: str, title: str, path: str) -> bytes:
    return json.dumps({"site_key": site_key, "visitor_id": visitor_id, "type": "page_view",
                       "url": f"https://www.example.com{path}", "title": title}).encode()


async def warm_up(port: int, site_key: str, visitor_ids: list[str]) -> None:
    """Each visitor's first page view (a new visitor, placed in the stream), unmeasured."""
    import httpx

    started = time.monotonic()
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        limit = asyncio.Semaphore(8)

        async def first(visitor_id: str) -> None:
            async with limit:
                await client.post("/t/v1/events", headers={"Content-Type": "application/json"},
                                  content=page_view(site_key, visitor_id, "Home", "/"))

        await asyncio.gather(*(first(v) for v in visitor_ids))
    print(f"{len(visitor_ids)} routed visitors arrived in {time.monotonic() - started:.1f} s")


async def post_page_views(port: int, site_key: str, picks: list[str], rate: float) -> int:
    """POST one page view per planned event at a steady rate; returns how many failed."""
    return await post_steadily(
        port, "/t/v1/events", picks, rate, 202,
        lambda seq, visitor_id: page_view(site_key, visitor_id, f"bench-page-{seq}-",
                                          f"/p/{seq}"))


async def post_steadily(port: int, path: str, picks: list[str], rate: float, ok: int,
                        body_of) -> int:
    """POST `body_of(seq, visitor_id)` to `path` for each pick at a steady rate, noting when
    each was sent (`Board.sent_at`) and answered; returns how many did not answer `ok`."""
    failed = 0
    poster = Poster(port, 64, path)

    async def post(seq: int, visitor_id: str) -> None:
        nonlocal failed
        body = body_of(seq, visitor_id)
        Board.sent_at[seq] = time.time()
        status, _, _ = await poster.post(body if isinstance(body, bytes) else body.encode())
        Board.answered.append(time.time() - Board.sent_at[seq])
        failed += status != ok
        Board.statuses[status] = Board.statuses.get(status, 0) + 1

    await poster.paced(picks, rate, post)
    return failed


class Poster:
    """POSTs JSON over a few keep-alive HTTP/1.1 connections (raw asyncio). httpx's pool
    costs CPU quadratic in the requests waiting for a connection: with hundreds queued the
    client itself stalls for seconds (seen at 100/s), so the benchmarks do not use it."""

    def __init__(self, port: int, connections: int, path: str = "/t/v1/events") -> None:
        self.port, self.path = port, path
        self.queue: asyncio.Queue = asyncio.Queue()
        self.tasks = [asyncio.create_task(self.worker()) for _ in range(connections)]
        self.statuses: dict[int, int] = {}
        self.errors = 0

    async def paced(self, picks: list, rate: float, post) -> None:
        """`await post(seq, pick)` for each pick, started at `rate` a second whatever the
        answers take; wait for them all, then close the connections."""
        start, pending = time.monotonic(), []
        for seq, pick in enumerate(picks):
            delay = start + seq / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            pending.append(asyncio.create_task(post(seq, pick)))
        await asyncio.gather(*pending)
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)

    async def post(self, body: bytes) -> tuple[int, float, bytes]:
        """(status, seconds from write to answer, body)."""
        done = asyncio.get_running_loop().create_future()
        await self.queue.put((body, done))
        return await done

    async def worker(self) -> None:
        reader = writer = None
        while True:
            body, done = await self.queue.get()
            for attempt in range(2):
                try:
                    if writer is None:
                        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
                    started = time.perf_counter()
                    writer.write(f"POST {self.path} HTTP/1.1\r\nHost: bench\r\n".encode()
                                 + b"Content-Type: application/json\r\nContent-Length: "
                                 + str(len(body)).encode() + b"\r\n\r\n" + body)
                    status_line = await reader.readline()
                    length, close = 0, False
                    while (line := await reader.readline()) not in (b"\r\n", b""):
                        name, _, value = line.decode().partition(":")
                        if name.lower() == "content-length":
                            length = int(value)
                        elif name.lower() == "connection" and "close" in value.lower():
                            close = True
                    answer = await reader.readexactly(length) if length else b""
                    status = int(status_line.split()[1])
                    done.set_result((status, time.perf_counter() - started, answer))
                    if close:
                        writer.close()
                        writer = None
                    break
                except (OSError, asyncio.IncompleteReadError, IndexError, ValueError) as error:
                    if writer is not None:
                        writer.close()
                    writer = None
                    if attempt == 1:
                        self.errors += 1
                        done.set_result((0, 0.0, str(error).encode()))


def report(args, plan, sse_arrivals, base_arrivals, subscribers) -> None:
    rep = [v for (channel, _), v in sse_arrivals.items() if channel != "admin"]
    admin = [v for (channel, _), v in sse_arrivals.items() if channel == "admin"]
    base = list(base_arrivals.values())
    what = ("page views POSTed to /t/v1/events (cards rendered by the server)"
            if args.source == "api" else f"card events sent ({args.payload} B cards)")
    print(f"{len(plan)} {what} at {args.rate:g}/s over {args.duration:g} s, for {args.reps} "
          f"reps + 1 admin, {args.workers} gevent workers")
    if args.source == "api":
        shape = f"stream pipeline, {args.processors} processor(s), batch {args.batch}"
        print(f"event pipeline: {shape}; database {os.environ['DATABASE_URL'].split(':')[0]}")
    print(f"Redis pub/sub connections held by the web processes: {subscribers}")
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average (1/5/15 min) at the end: {load} (2 cores, shared)")
    print(f"rep boards   ({len(rep)}/{len(plan)} arrived): {percentiles(rep)}")
    if args.source == "api" or not args.no_admin_copy:
        print(f"admin board  ({len(admin)}/{len(plan)} arrived): {percentiles(admin)}")
    if args.source == "api":
        own = sum(1 for channel, _ in Board.own_cards if channel != "admin")
        print(f"  (a page view counts as arrived when its card, or a later card of the same "
              f"visitor from the same batch, arrives; {own} rep cards carried their own page)")
    print(f"raw Redis    ({len(base)}/{len(plan)} arrived): {percentiles(base)}")
    if len(rep) > 1 and len(base) > 1:
        q = statistics.quantiles
        ratio = [q(rep, n=100)[i] / q(base, n=100)[i] for i in (49, 98)]
        print(f"ratio SSE/raw Redis: p50 {ratio[0]:.1f}x  p99 {ratio[1]:.1f}x")


@contextlib.contextmanager
def bench_setup(prefix: str, reps: int):
    """(app, signed session cookies, folder): `setup()` in a temporary folder, on SQLite
    there or a fresh database on DATABASE_URL's PostgreSQL server; all removed after."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        folder = Path(tmp)
        from bench.ingest import Database

        database = Database(folder)
        app, redis_server = setup(folder, reps, database.url)
        try:
            yield app, session_cookies(app), folder
        finally:
            embedded_redis.stop(folder / "redis", redis_server)
            database.drop()


def main() -> None:
    args = parse_args()
    with bench_setup("liveapp-fanout-", args.reps) as (app, cookies, folder):
        print("== liveapp: shared subscriber per web process ==")
        factory = f"liveapp:create_app({{'SSE_PING_INTERVAL': {args.ping_interval!r}}})"
        run_server(args, app, cookies, folder, factory, plain=False)
        if args.compare_flask_sse:
            print("== minimal flask-sse app: one Redis connection per board, no auth ==")
            run_server(args, app, cookies, folder, "plain_sse_app:app", plain=True)


def run_server(args, app, cookies, folder: Path, app_path: str, plain: bool) -> None:
    proc, port = start_gunicorn(args.workers, folder, app_path)
    processors = []
    if args.source == "api":
        processors = start_processors(args.processors, folder, args.batch)
    try:
        asyncio.run(run_clients(args, app, cookies, port, proc.pid, plain, processors))
    finally:
        stop_processes(processors)
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    main()
