"""Membership evaluation per visitor change, with 20 segments, 10 experiences, 5 streams.

Settings from bench/settings_fixture.py. Measures `live_membership.reevaluate(visitor_id)` end
to end (hot state from Redis, visitor, session and visited URLs from the database,
compiled settings, store, publish) against
the pure domain evaluation alone, in the same run. SQLite + embedded Redis in a temporary
instance folder unless DATABASE_URL / REDIS_URL are set.

    .venv/bin/python bench/membership.py [--events 2000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2000)
    args = parser.parse_args()
    os.environ.setdefault("LIVEAPP_INSTANCE", tempfile.mkdtemp(prefix="bench-membership-"))
    os.environ.setdefault("LIVEAPP_REDIS_PREFIX", f"bench{uuid.uuid4().hex[:6]}:")
    from liveapp import create_app
    from liveapp.services.ops.schema import migrate_to_head

    app = create_app({"TESTING": True})
    migrate_to_head(app)
    with app.test_request_context():
        run(app, args.events)


def run(app, events: int) -> None:
    from settings_fixture import configure_settings

    from liveapp.domain.membership import evaluate
    from liveapp.services.membership import live_membership
    from liveapp.services.settings import sites
    from liveapp.services.tracking import hot_state, pipeline

    configure_settings()
    site = sites.save_site(None, name="Bench", allowed_origins=["https://www.example.com"])
    client = app.test_client()
    visitors = [str(uuid.uuid4()) for _ in range(50)]
    for n, vid in enumerate(visitors):
        client.post("/t/v1/events", json={
            "site_key": site.site_key, "visitor_id": vid, "type": "page_view",
            "url": f"https://www.example.com/page{n % 12}?utm_source=ads"})
    pipeline.drain()  # the events API only accepted them: record them, as `liveapp pipeline`
    rules = live_membership.current_rules()
    timings, pure = [], []
    from liveapp.extensions import db
    from liveapp.models import Visitor

    for n in range(events):
        vid = visitors[n % len(visitors)]
        start = time.perf_counter()
        live_membership.reevaluate(vid)
        timings.append(time.perf_counter() - start)
        facts = live_membership.facts_for(db.session.get(Visitor, vid), hot_state.load(vid),
                                          time.time())
        start = time.perf_counter()
        evaluate(rules, facts)
        pure.append(time.perf_counter() - start)

    def ms(values, q):
        return statistics.quantiles(values, n=100)[q - 1] * 1000

    print(f"membership per event, {events} events, 20 segments / 10 experiences / 5 streams")
    print(f"  service (DB + Redis + domain): p50 {ms(timings, 50):.2f} ms  "
          f"p99 {ms(timings, 99):.2f} ms")
    print(f"  domain evaluation alone:       p50 {ms(pure, 50) * 1000:.1f} µs  "
          f"p99 {ms(pure, 99) * 1000:.1f} µs")
    print(f"  ratio service/domain at p50:   {ms(timings, 50) / ms(pure, 50):.0f}x")


if __name__ == "__main__":
    main()
