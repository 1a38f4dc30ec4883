"""Ingest benchmark (SPEC section 5): the events API against the same server's trivial
JSON endpoint, in one run, under gunicorn (gevent), on its own instance folder.

    .venv/bin/python bench/ingest.py [--duration 15] [--visitors 2000] [--concurrency 48]

Uses REDIS_URL / DATABASE_URL when set (a fresh PostgreSQL database of its own, dropped
afterwards), else an embedded Redis and a SQLite file in a temporary folder.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Result:
    name: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0

    def add(self, other: Result) -> None:
        self.seconds += other.seconds
        self.latencies += other.latencies
        self.errors += other.errors
        for status, count in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + count

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[int(p) - 1]

    def line(self) -> str:
        return (f"{self.name:<10} {self.rate:8.0f} req/s   p50 {self.percentile(50) * 1000:6.1f} ms"
                f"   p99 {self.percentile(99) * 1000:6.1f} ms   answers {self.statuses}"
                f"   errors {self.errors}")


class Database:
    """SQLite in the instance folder, or a fresh database on DATABASE_URL's server."""

    def __init__(self, instance: Path):
        self.admin = None
        self.name = None
        configured = os.environ.get("DATABASE_URL")
        if not configured:
            self.url = f"sqlite:///{instance / 'bench.sqlite3'}"
            return
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        from liveapp.config import normalise_database_url

        url = make_url(normalise_database_url(configured))
        self.name = f"{url.database}_bench_{uuid.uuid4().hex[:6]}"
        self.admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        self.url = url.set(database=self.name).render_as_string(hide_password=False)

    def drop(self) -> None:
        if self.admin is None:
            return
        from sqlalchemy import text

        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.admin.dispose()


def configure(env: dict) -> str:
    """Migrate, create the site and the SPEC 5 configuration; the site key."""
    os.environ.update(env)
    from liveapp import create_app
    from liveapp.services.ops.schema import migrate_to_head

    app = create_app()
    migrate_to_head(app)
    with app.app_context():
        from settings_fixture import configure_settings

        from liveapp.services.settings import sites

        site = sites.save_site(None, name="Bench", allowed_origins=[])
        configure_settings()
        print("configured: 20 segments, 10 experiences, 5 streams, 10 routing rules")
        return site.site_key


def start_server(env: dict, port: int, workers: int) -> subprocess.Popen:
    argv = [sys.executable, "-m", "gunicorn", "--worker-class", "gevent",
            "--workers", str(workers), "--worker-connections", "2000",
            "--bind", f"127.0.0.1:{port}", "--access-logfile", "/dev/null",
            "--log-level", "warning", "liveapp:create_app()"]
    return subprocess.Popen(argv, cwd=ROOT, env=env, start_new_session=True)


async def wait_up(client: httpx.AsyncClient, base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if (await client.get(base + "/healthz")).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.3)
    raise SystemExit("server did not come up")


async def drive(clients, url: str, bodies, seconds: float, concurrency: int,
                name: str) -> Result:
    """Closed loop: `concurrency` senders, each with its own connection, post bodies for
    `seconds`. (One httpx pool shared by many requests in flight costs the client more CPU
    than the server spends, and the client runs on the same two cores.)"""
    result = Result(name)
    stop_at = time.monotonic() + seconds

    async def sender(seed: int) -> None:
        rng = random.Random(seed)
        client = clients[seed]
        while time.monotonic() < stop_at:
            body = bodies(rng)
            started = time.perf_counter()
            try:
                res = await client.post(url, json=body)
            except httpx.HTTPError:
                result.errors += 1
                continue
            result.latencies.append(time.perf_counter() - started)
            result.statuses[res.status_code] = result.statuses.get(res.status_code, 0) + 1

    began = time.monotonic()
    await asyncio.gather(*(sender(i) for i in range(concurrency)))
    result.seconds = time.monotonic() - began
    return result


def event_factory(site_key: str, visitors: list[str], pages: list[str], share: float):
    """The measured mix: page views (share) and heartbeats (70% active) over visitors."""

    def event(rng: random.Random) -> dict:
        kind = "page_view" if rng.random() < share else "heartbeat"
        body = {"site_key": site_key, "visitor_id": rng.choice(visitors), "type": kind,
                "url": rng.choice(pages), "active": rng.random() < 0.7}
        if kind == "page_view":
            body["title"] = "Example page"
        return body

    return event


async def land_everyone(clients, base: str, site_key: str, visitors, page: str) -> None:
    """Every visitor lands once first: the measured mix is a live site, not arrivals."""
    queue = list(visitors)

    async def lander(client) -> None:
        while queue:
            body = {"site_key": site_key, "visitor_id": queue.pop(), "type": "page_view",
                    "url": page, "title": "Home"}
            await client.post(base + "/t/v1/events", json=body)

    await asyncio.gather(*(lander(c) for c in clients))


async def run(base: str, site_key: str, args) -> tuple[Result, Result]:
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    clients = [httpx.AsyncClient(timeout=10, limits=limits) for _ in range(args.concurrency)]
    visitors = [str(uuid.uuid4()) for _ in range(args.visitors)]
    pages = [f"https://www.example.com/{p}" for p in ("", "pricing", "product", "docs")]
    event = event_factory(site_key, visitors, pages, args.page_view_share)
    ping, events = base + "/bench/ping", base + "/t/v1/events"
    trivial, ingest = Result("trivial"), Result("ingest")
    try:
        await wait_up(clients[0], base)
        await land_everyone(clients, base, site_key, visitors, pages[0])
        await drive(clients, ping, event, 2, args.concurrency, "warm-up")
        # Alternate short slices of both, so both see the same background load (this
        # machine is shared): the ratio is what matters. The trivial endpoint gets the
        # same bodies and ignores them.
        slice_seconds = args.duration / args.rounds
        for _ in range(args.rounds):
            trivial.add(await drive(clients, ping, event, slice_seconds, args.concurrency,
                                    "trivial"))
            ingest.add(await drive(clients, events, event, slice_seconds, args.concurrency,
                                   "ingest"))
    finally:
        for client in clients:
            await client.aclose()
    return trivial, ingest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per phase")
    parser.add_argument("--visitors", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=5, help="alternating slices per phase")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn processes")
    parser.add_argument("--page-view-share", type=float, default=0.1)
    args = parser.parse_args()

    instance = Path(tempfile.mkdtemp(prefix="liveapp-bench-"))
    redis_server = None
    database = Database(instance)
    server = None
    try:
        from liveapp import embedded_redis

        redis_url = os.environ.get("REDIS_URL")
        if not redis_url:
            redis_server = embedded_redis.start(instance)
            redis_url = redis_server.url
        env = {**os.environ, "LIVEAPP_INSTANCE": str(instance), "REDIS_URL": redis_url,
               "DATABASE_URL": database.url, "SECRET_KEY": "bench",
               "LIVEAPP_REDIS_PREFIX": f"bench{uuid.uuid4().hex[:6]}:",
               "LIVEAPP_BENCH_ENDPOINTS": "1",
               "LIVEAPP_TRACKING_IP_LIMIT": "1000000000",
               "LIVEAPP_TRACKING_VISITOR_LIMIT": "1000000000"}
        site_key = configure(env)
        port = free_port()
        server = start_server(env, port, args.workers)
        trivial, ingest = asyncio.run(run(f"http://127.0.0.1:{port}", site_key, args))
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        if redis_server is not None:
            from liveapp import embedded_redis

            embedded_redis.stop(instance, redis_server)
        database.drop()
        shutil.rmtree(instance, ignore_errors=True)
    print(f"{args.visitors} visitors, {args.concurrency} concurrent requests, "
          f"{args.duration:.0f} s per phase in {args.rounds} alternating slices, "
          f"{int(args.page_view_share * 100)}% page views, "
          f"gunicorn gevent x{args.workers}")
    print(trivial.line())
    print(ingest.line())
    print(f"ratio ingest/trivial: {ingest.rate / trivial.rate:.0%} (target >= 50%); "
          f"ingest p99 {ingest.percentile(99) * 1000:.1f} ms (target <= 50 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
