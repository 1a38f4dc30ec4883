"""Chat benchmark: a visitor's message → the owning rep's live chat panel.

Starts liveapp under gunicorn (gevent, 2 workers) on its own Redis and database (as
`bench/fanout.py` does), connects every rep's own event stream, opens one conversation per
visitor with a random rep, then visitors POST messages to the public widget API
(`POST /t/v1/chat/messages`) at a steady rate. Measured: POST sent → the message's chat
panel fragment arriving on the owner's stream (the server stores the message, publishes
the change, renders the fragment and the card, and fans out), and POST → 201.

In the same run, a raw Redis subscriber measures PUBLISH → message at the same rate: the
baseline.

    .venv/bin/python bench/chat.py [--reps 50] [--visitors 100] [--rate 20] [--duration 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from redis import Redis  # noqa: E402

from bench.fanout import (  # noqa: E402
    Board,
    baseline_subscriber,
    bench_setup,
    percentiles,
    post_steadily,
    route_visitors,
    start_gunicorn,
    warm_up,
    workers_cpu,
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=50, help="reps with their stream open")
    parser.add_argument("--visitors", type=int, default=100,
                        help="open conversations (at most 3 per rep)")
    parser.add_argument("--rate", type=float, default=20.0, help="visitor messages per second")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of sending")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn gevent workers")
    return parser.parse_args()


def open_conversations(app, routed: dict[str, int]) -> dict[str, str]:
    """One open conversation per visitor, the visitors dealt to the reps in turn (each rep
    has at most 3 chats); `routed` (by cookie id) is updated to the owners. Returns their
    tokens, by cookie id."""
    from liveapp.extensions import db
    from liveapp.models import User
    from liveapp.services.chat import conversations
    from liveapp.services.chat.tokens import visitor_token
    from liveapp.services.routing import assignments
    from liveapp.services.tracking.visitor_ids import internal_id

    tokens = {}
    with app.app_context():
        reps = [u.id for u in db.session.scalars(db.select(User).where(User.role == "rep"))]
        for turn, cookie_id in enumerate(routed):
            rep_id = routed[cookie_id] = reps[turn % len(reps)]
            visitor_id = internal_id(cookie_id)
            assignments.save(visitor_id, assignments.Assignment(
                "Bench rule", "first_available", routed_to=[rep_id], explanation="bench"))
            conversations.claim(visitor_id, db.session.get(User, rep_id), "pounce")
            tokens[cookie_id] = visitor_token(visitor_id)
    return tokens


def baseline_publisher(url: str, channel: str, count: int, rate: float, done) -> None:
    raw = Redis.from_url(url)
    start = time.monotonic()
    for seq in range(count):
        delay = start + seq / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        raw.publish(channel, f"{seq}|{time.time()!r}")
    done.set()


async def post_messages(port: int, tokens: dict[str, str], picks: list[str],
                        rate: float) -> int:
    """POST one visitor message per planned event at a steady rate; returns failures."""
    return await post_steadily(
        port, "/t/v1/chat/messages", picks, rate, 201,
        lambda seq, visitor_id: json.dumps({
            "token": tokens[visitor_id], "body": f"bench-page-{seq}- how much for 40 seats?"}))


async def run(args, app, cookies, port: int, server_pid: int) -> None:
    from liveapp.extensions import redis
    from liveapp.infra import realtime

    arrivals: dict = {}
    base_arrivals: dict = {}
    boards = [Board(port, realtime.rep_channel(uid), cookie, arrivals)
              for uid, (cookie, is_admin) in cookies.items() if not is_admin]
    tasks = [asyncio.create_task(b.run()) for b in boards]
    await asyncio.gather(*(asyncio.wait_for(b.connected.wait(), 30) for b in boards))
    with app.app_context():
        baseline = redis.key("bench", "baseline")
    ready = asyncio.Event()
    base_task = asyncio.create_task(
        baseline_subscriber(app.config["REDIS_URL"], baseline, base_arrivals, ready))
    await ready.wait()

    rep_ids = [uid for uid, (_, is_admin) in cookies.items() if not is_admin]
    routed = route_visitors(app, rep_ids, args.visitors)
    await warm_up(port, app.config["BENCH_SITE_KEY"], list(routed))
    tokens = open_conversations(app, routed)
    await asyncio.sleep(1.0)  # the claims' card updates pass before measuring
    count = int(args.rate * args.duration)
    picks = [random.choice(list(routed)) for _ in range(count)]

    done = threading.Event()
    cpu_before = workers_cpu(server_pid)
    threading.Thread(target=baseline_publisher, args=(
        app.config["REDIS_URL"], baseline, count, args.rate, done)).start()
    failed = await post_messages(port, tokens, picks, args.rate)
    while not done.is_set():
        await asyncio.sleep(0.1)
    cpu = workers_cpu(server_pid) - cpu_before
    deadline = time.monotonic() + 5
    while len(arrivals) < count and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    for task in [*tasks, base_task]:
        task.cancel()
    await asyncio.gather(*tasks, base_task, return_exceptions=True)

    panel = list(arrivals.values())
    base = list(base_arrivals.values())
    print(f"{count} visitor messages POSTed to /t/v1/chat/messages at {args.rate:g}/s over "
          f"{args.duration:g} s; {args.visitors} open conversations, {args.reps} reps, "
          f"{args.workers} gevent workers")
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average (1/5/15 min) at the end: {load} (2 cores, shared)")
    print(f"message → owner's panel ({len(panel)}/{count} arrived): {percentiles(panel)}")
    print(f"POST → 201 ({failed} not 201): {percentiles(Board.answered)}")
    print(f"raw Redis ({len(base)}/{count} arrived): {percentiles(base)}")
    if len(panel) > 1 and len(base) > 1:
        q = statistics.quantiles
        ratio = [q(panel, n=100)[i] / q(base, n=100)[i] for i in (49, 98)]
        print(f"ratio panel/raw Redis: p50 {ratio[0]:.1f}x  p99 {ratio[1]:.1f}x")
    print(f"web workers' CPU while sending: {cpu:.2f} s over {args.duration:g} s "
          f"({cpu / max(count, 1) * 1000:.1f} ms per message)")


def main() -> None:
    args = parse_args()
    os.environ["LIVEAPP_CHAT_IP_LIMIT"] = "100000000"  # every visitor posts from here
    os.environ["LIVEAPP_CHAT_VISITOR_LIMIT"] = "100000000"
    with bench_setup("liveapp-chat-", args.reps) as (app, cookies, folder):
        proc, port = start_gunicorn(args.workers, folder, "liveapp:create_app()")
        try:
            asyncio.run(run(args, app, cookies, port, proc.pid))
        finally:
            proc.terminate()
            proc.wait(timeout=10)


if __name__ == "__main__":
    main()
