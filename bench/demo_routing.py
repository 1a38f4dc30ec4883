"""Routing in a running `make demo`, watched the way issue 12 asks: reps' boards open for
minutes while the simulator's visitors browse, identify and ask to chat.

Signs the demo's reps in through the login form and keeps their boards' event streams
open (so routing counts them online; they never accept, pass or go away), samples every
live visitor's routing every few seconds from the demo's own Redis and database, then
reports:

- owner routing: routed visitors whose Salesforce owner or Outreach/Salesloft sender or
  owner is one of the signed-in reps, and how many were offered to that rep (misses are
  listed with their rule and explanation);
- inbound waits: from asking to chat to the meeting booker or the last offer, against the
  rule's accept timeout (once per rep offered in turn) plus the queue wait;
- pounce holds: Round Robin / Balanced pounce visitors moved off a rep's board while the
  visitor was still on the site, with the reason routing gave.

Run it beside a demo started in the same folder (it reads the demo's instance):

    make demo &            # in one terminal
    .venv/bin/python bench/demo_routing.py --url http://127.0.0.1:8000 --minutes 10
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

REPS = ("ann", "bob", "cara", "dev", "eli")
PASSWORD = "liveapp-demo"
CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the running demo")
    parser.add_argument("--minutes", type=float, default=10.0, help="how long to watch")
    parser.add_argument("--every", type=float, default=3.0, help="seconds between samples")
    parser.add_argument("--instance", default=str(ROOT / "instance"),
                        help="the demo's instance folder (its database and Redis)")
    parser.add_argument("--reps", default=",".join(REPS),
                        help="demo reps to sign in (their names before @demo.liveapp.test)")
    return parser.parse_args()


# ---------------------------------------------------------------- reps at their boards


def open_board(base: str, email: str, user_id: int, stop: threading.Event) -> None:
    """Sign in through the form and hold the rep's board stream open until `stop`."""
    with httpx.Client(base_url=base, timeout=30) as http:
        token = CSRF.search(http.get("/auth/login").text).group(1)
        signed = http.post("/auth/login", data={"email": email, "password": PASSWORD,
                                                 "csrf_token": token})
        assert signed.status_code == 303, f"{email} could not sign in"
        while not stop.is_set():
            try:
                with http.stream("GET", f"/events/stream?channel=rep:{user_id}",
                                 timeout=httpx.Timeout(30, read=60)) as stream:
                    for _ in stream.iter_lines():
                        if stop.is_set():
                            return
            except httpx.HTTPError:
                time.sleep(1)  # the board reconnects, as the browser's would


# ---------------------------------------------------------------- what routing did


@dataclass
class Seen:
    """One visitor's routing as sampled."""

    samples: list[tuple[float, str | None, str | None, tuple[int, ...], int | None, str]] = \
        field(default_factory=list)
    live_until: float = 0.0


def sample(seen: dict[str, Seen], now: float) -> None:
    from liveapp.services.routing import assignments
    from liveapp.services.tracking import hot_state

    live = hot_state.live(5000)
    current = assignments.get_many(list(live))
    for vid, hot in live.items():
        if hot.presence.state == "left":
            continue
        entry = seen.setdefault(vid, Seen())
        entry.live_until = now
        a = current.get(vid)
        if a is not None:
            entry.samples.append((now, a.trigger, a.outcome, tuple(a.offered_to),
                                  a.claimed_by, a.explanation))


def owners_of(visitor, reps_by_sf: dict[str, int], reps_by_email: dict[str, int]) -> set[int]:
    """The signed-in reps who own this visitor in a CRM (Salesforce owner, account owner,
    Outreach/Salesloft sender or owner)."""
    from liveapp.domain.salesforce_ids import canonical_or_none

    crm = visitor.crm or {}
    found = set()
    sf = crm.get("salesforce") or {}
    for key in ("owner_id", "account_owner_id"):
        rep = reps_by_sf.get(canonical_or_none(sf.get(key)) or "")
        if rep is not None:
            found.add(rep)
    for name in ("outreach", "salesloft"):
        entry = crm.get(name) or {}
        for key in ("sender_email", "owner_email"):
            rep = reps_by_email.get(str(entry.get(key) or "").lower())
            if rep is not None:
                found.add(rep)
    return found


def report(seen: dict[str, Seen], reps: dict[int, str], queue_wait: float) -> None:
    from liveapp.domain.salesforce_ids import canonical_or_none
    from liveapp.extensions import db
    from liveapp.models import RoutingRule, User, Visitor
    from liveapp.services.routing import router

    users = db.session.query(User).filter(User.id.in_(reps)).all()
    by_sf = {canonical_or_none(u.salesforce_user_id): u.id for u in users
             if u.salesforce_user_id}
    by_email = {u.email.lower(): u.id for u in users}
    timeouts = {r.name: r.offer_timeout_seconds for r in db.session.query(RoutingRule)}
    owner_known = owner_routed = 0
    misses, waits, moves = [], [], []
    for vid, entry in seen.items():
        history = list(reversed(router.history(vid)))  # oldest first
        if not history:
            continue
        visitor = db.session.get(Visitor, vid)
        owners = owners_of(visitor, by_sf, by_email) if visitor is not None else set()
        if owners:
            owner_known += 1
            if any(set(h.get("offer_to") or ()) & owners for h in history):
                owner_routed += 1
            else:
                misses.append((vid, [reps[o] for o in owners], history[-1].get("rule_name"),
                               history[-1].get("summary")))
        waits.extend(inbound_waits(vid, history, timeouts, queue_wait))
        moves.extend(pounce_moves(vid, entry, reps))
    print(f"\nowner-routed / owner-known visitors: {owner_routed} / {owner_known}")
    for vid, owners, rule, summary in misses:
        print(f"  not offered to {', '.join(owners)}: {vid[:8]} rule {rule!r}: {summary}")
    over = [w for w in waits if w[1] > w[2]]
    longest = max((w[1] for w in waits), default=0.0)
    print(f"inbound requests: {len(waits)}, longest wait {longest:.0f} s, over the bound: "
          f"{len(over)}")
    for vid, waited, bound, rule in over:
        print(f"  {vid[:8]} waited {waited:.0f} s > {bound:.0f} s (rule {rule!r})")
    print(f"pounce visitors moved off an available rep's board while on the site: {len(moves)}")
    for vid, before, after, why in moves:
        print(f"  {vid[:8]} {before} → {after}: {why}")


def inbound_waits(vid: str, history: list[dict], timeouts: dict[str, int],
                  queue_wait: float) -> list[tuple[str, float, float, str]]:
    """(visitor, seconds from the request to its end, the bound, rule) per request."""
    inbound = [h for h in history if h.get("trigger") == "inbound"]
    if not inbound:
        return []
    start = inbound[0]["at"]
    ends = [h for h in inbound if h.get("outcome") in ("meeting_booker",)]
    end = ends[0]["at"] if ends else inbound[-1]["at"]
    # Each offer of the request runs the rule's accept timeout: one rep at a time under
    # Round Robin / Balanced, and one step at a time of an owner-first chain (Outreach
    # sender, then Salesforce owner, then the group, First Available included).
    offers = {tuple(h.get("offer_to") or ()) for h in inbound if h.get("outcome") == "offer"}
    rule = inbound[0].get("rule_name") or ""
    bound = (timeouts.get(rule) or 30) * max(len(offers), 1) + queue_wait + 5  # 5 s: jobs
    return [(vid, end - start, bound, rule)]


def pounce_moves(vid: str, entry: Seen, reps: dict[int, str]) -> list[tuple]:
    """Held pounce offers that changed rep while the visitor was still sampled live."""
    moves = []
    for before, after in zip(entry.samples, entry.samples[1:], strict=False):
        held = before[1] == "pounce" and before[2] == "offer" and before[4] is None
        if held and after[1] == "pounce" and after[3] != before[3] and after[4] is None:
            names = lambda ids: ", ".join(reps.get(i, str(i)) for i in ids) or "nobody"  # noqa: E731
            moves.append((vid, names(before[3]), names(after[3]), after[5]))
    return moves


def main() -> None:
    args = parse_args()
    os.environ["LIVEAPP_INSTANCE"] = str(Path(args.instance).resolve())
    os.environ.setdefault("LIVEAPP_ROUTING_QUEUE_WAIT", "45")  # as `liveapp demo` sets it
    from liveapp import create_app, embedded_redis

    if not os.environ.get("REDIS_URL"):
        embedded_redis.ensure(os.environ["LIVEAPP_INSTANCE"])  # the demo's own server
    app = create_app()
    from liveapp.extensions import db
    from liveapp.models import User

    with app.app_context():
        emails = [f"{name}@demo.liveapp.test" for name in args.reps.split(",")]
        users = db.session.query(User).filter(User.email.in_(emails)).all()
        reps = {u.id: u.name for u in users}
        queue_wait = float(app.config.get("ROUTING_QUEUE_WAIT", 120))
    stop = threading.Event()
    boards = [threading.Thread(target=open_board, args=(args.url, u.email, u.id, stop),
                               daemon=True) for u in users]
    for board in boards:
        board.start()
    print(f"{len(boards)} boards open ({', '.join(reps.values())}); watching "
          f"{args.minutes:g} min")
    seen: dict[str, Seen] = {}
    deadline = time.time() + args.minutes * 60
    while time.time() < deadline:
        with app.app_context():
            sample(seen, time.time())
            db.session.remove()
        time.sleep(args.every)
    stop.set()
    with app.app_context():
        routed = sum(1 for e in seen.values() if e.samples)
        print(f"visitors seen live: {len(seen)}, routed: {routed}")
        report(seen, reps, queue_wait)


if __name__ == "__main__":
    main()
