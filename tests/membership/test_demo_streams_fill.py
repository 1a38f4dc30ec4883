"""Every example stream of the demo fills with simulated visitors (issue 12, defect 10).

`make demo` runs the simulator at 0.5 new journeys a second, at most 25 at once: about 30
journeys start in its first two minutes. The same journeys (same generator, compressed in
time) go through the real events API to a live server seeded like the demo, and a real RQ
worker does what the demo's worker does (enrichment, ABM and marketing data, membership,
routing). Then each example stream holds at least one visitor. No CRM sandbox runs here,
so Salesforce Leads and Contacts are left out: the streams fill without them."""

from __future__ import annotations

from collections import Counter

import pytest

from liveapp.demo import seeding, simulator
from liveapp.extensions import QUEUE_NAMES, db, queue, redis
from liveapp.models import Stream, Visitor
from liveapp.models.history import RoutingRecord, VisitorHour
from liveapp.services.membership import live_membership
from tests.routing_jobs.conftest import job_app  # noqa: F401
from tests.rq_workers import SimpleWorker
from tests.tracking.test_simulator import (
    SIMULATOR_KEY,
    live_server,  # noqa: F401  (honours SIMULATOR_KEY)
)

EXAMPLES = ["High Intent", "Target Accounts", "Known Customers", "Known Leads"]
JOURNEYS_IN_TWO_MINUTES = 30


def work_everything() -> None:
    worker = SimpleWorker([queue(name) for name in QUEUE_NAMES], connection=redis.client,
                          serializer="json")
    worker.work(burst=True, max_jobs=2000)


def stream_counts() -> Counter:
    names = {s.id: s.name for s in db.session.scalars(db.select(Stream))}
    counts: Counter = Counter()
    for visitor_id in db.session.scalars(db.select(Visitor.id)):
        placed = live_membership.stored(visitor_id)
        counts[names.get(placed.stream_id) if placed else None] += 1
    return counts


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_example_stream_fills_in_the_demos_first_two_minutes(
        app_ctx, job_app, live_server, seed):  # noqa: F811
    seeding.seed()
    site = seeding.demo_site()
    stats = simulator.run(live_server, site.site_key, visitors=25, rate=200, speed=1000,
                          total=JOURNEYS_IN_TWO_MINUTES, seed=seed, startup_timeout=5,
                          chat_share=0, simulator_key=SIMULATOR_KEY)
    assert stats.errors == 0 and set(stats.statuses) == {202}, stats.statuses
    work_everything()
    counts = stream_counts()
    assert all(counts[name] >= 1 for name in EXAMPLES), counts
    # The reports' history fills too (issue 19): hours in streams, routing decisions.
    hours = db.session.scalars(db.select(VisitorHour.stream_id)).all()
    assert len(hours) >= JOURNEYS_IN_TWO_MINUTES and any(hours)
    assert db.session.scalar(db.select(db.func.count()).select_from(RoutingRecord))
