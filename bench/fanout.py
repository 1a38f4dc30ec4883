"""Fan-out benchmark: publish → arrival latency at the routed rep's SSE stream.

Starts liveapp under gunicorn (gevent, 2 workers) on its own Redis and SQLite database,
creates N reps + 1 admin, connects N+1 SSE boards, publishes card events at a steady rate
with `realtime.send` to random reps' channels (and a copy to the admin channel, as the
board will), and measures publish→arrival at the routed rep's stream. In the same run, a
raw Redis subscriber measures PUBLISH→message latency for the same events: the baseline.

Events are published directly with `send`; the board issue will route them through the
public tracking API (POST /t/v1/events), which adds ingest and routing time on top.

    .venv/bin/python bench/fanout.py [--reps 500] [--rate 100] [--duration 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from redis import Redis  # noqa: E402
from redis.asyncio import Redis as AsyncRedis  # noqa: E402

from liveapp import embedded_redis  # noqa: E402

USER_AGENT = "liveapp-bench"


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
                        help="then run the same load against a minimal flask-sse app")
    return parser.parse_args()


def setup(folder: Path, reps: int):
    """Own Redis and database, an app on them, N reps + 1 admin; returns (app, server)."""
    server = embedded_redis.start(folder / "redis")
    os.environ.update({
        "LIVEAPP_INSTANCE": str(folder), "REDIS_URL": server.url,
        "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
        "SECRET_KEY": secrets.token_hex(16), "LIVEAPP_REDIS_PREFIX": "bench:",
    })
    from liveapp import create_app
    from liveapp.extensions import db
    from liveapp.models import User
    from liveapp.services.schema import migrate_to_head

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
    return app, server


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
        for line in frame.split("\n"):
            if line.startswith("data:"):
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


def publish(app, plan, rate: float, payload: int, admin_copy: bool, baseline: str, done):
    """Publish the plan at a steady rate: baseline PUBLISH, then the card via send()."""
    from liveapp.services import realtime

    raw = Redis.from_url(app.config["REDIS_URL"])
    padding = "<div class='card'>" + "x" * payload + "</div>"
    with app.app_context():
        start = time.monotonic()
        for seq, user_id in enumerate(plan):
            delay = start + seq / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            raw.publish(baseline, f"{seq}|{time.time()!r}")
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


def workers_cpu(master_pid: int) -> float:
    """CPU seconds used so far by gunicorn's worker processes (Linux /proc)."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    ticks = 0
    for pid in children:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime + stime
    return ticks / os.sysconf("SC_CLK_TCK")


async def run_clients(args, app, cookies, port, server_pid, plain: bool = False) -> None:
    from liveapp.services import realtime

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
    plan = [random.choice(rep_ids) for _ in range(int(args.rate * args.duration))]
    done = threading.Event()
    cpu_before = workers_cpu(server_pid)
    thread = threading.Thread(target=publish, args=(
        app, plan, args.rate, args.payload, not args.no_admin_copy, baseline, done))
    thread.start()
    while not done.is_set():
        await asyncio.sleep(0.2)
    cpu = workers_cpu(server_pid) - cpu_before
    deadline = time.monotonic() + 5
    expected = len(plan) * (1 if args.no_admin_copy else 2)
    while len(sse_arrivals) < expected and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    for task in [*tasks, base_task]:
        task.cancel()
    await asyncio.gather(*tasks, base_task, return_exceptions=True)
    report(args, plan, sse_arrivals, base_arrivals, subscribers)
    print(f"web workers' CPU while publishing: {cpu:.2f} s over {args.duration:g} s")


def report(args, plan, sse_arrivals, base_arrivals, subscribers) -> None:
    rep = [v for (channel, _), v in sse_arrivals.items() if channel != "admin"]
    admin = [v for (channel, _), v in sse_arrivals.items() if channel == "admin"]
    base = list(base_arrivals.values())
    print(f"{len(plan)} events at {args.rate:g}/s over {args.duration:g} s to {args.reps} reps "
          f"+ 1 admin, {args.workers} gevent workers, {args.payload} B cards")
    print(f"Redis pub/sub connections held by the web processes: {subscribers}")
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average (1/5/15 min) at the end: {load} (2 cores, shared)")
    print(f"rep boards   ({len(rep)}/{len(plan)} arrived): {percentiles(rep)}")
    if not args.no_admin_copy:
        print(f"admin board  ({len(admin)}/{len(plan)} arrived): {percentiles(admin)}")
    print(f"raw Redis    ({len(base)}/{len(plan)} arrived): {percentiles(base)}")
    if len(rep) > 1 and len(base) > 1:
        q = statistics.quantiles
        ratio = [q(rep, n=100)[i] / q(base, n=100)[i] for i in (49, 98)]
        print(f"ratio SSE/raw Redis: p50 {ratio[0]:.1f}x  p99 {ratio[1]:.1f}x")


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="liveapp-fanout-") as tmp:
        folder = Path(tmp)
        app, redis_server = setup(folder, args.reps)
        cookies = session_cookies(app)
        try:
            print("== liveapp: shared subscriber per web process ==")
            factory = f"liveapp:create_app({{'SSE_PING_INTERVAL': {args.ping_interval!r}}})"
            run_server(args, app, cookies, folder, factory, plain=False)
            if args.compare_flask_sse:
                print("== minimal flask-sse app: one Redis connection per board, no auth ==")
                run_server(args, app, cookies, folder, "plain_sse_app:app", plain=True)
        finally:
            embedded_redis.stop(folder / "redis", redis_server)


def run_server(args, app, cookies, folder: Path, app_path: str, plain: bool) -> None:
    proc, port = start_gunicorn(args.workers, folder, app_path)
    try:
        asyncio.run(run_clients(args, app, cookies, port, proc.pid, plain))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    main()
