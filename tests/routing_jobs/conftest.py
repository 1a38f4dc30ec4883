"""Fixtures for routing jobs: jobs run by real RQ workers (SimpleWorker, burst) against the
test app, visitors created through the real events API, reps whose boards are open."""

from __future__ import annotations

import os

import pytest
from rq.job import Job
from rq.timeouts import TimerDeathPenalty

from jobs import routing as routing_jobs
from liveapp.extensions import queue, redis
from liveapp.services.routing import board_presence
from tests.factories import RoutingRuleFactory, UserFactory
from tests.rq_workers import SimpleWorker
from tests.tracking.conftest import api, site  # noqa: F401  (the events API fixtures)
from tests.visitor_ids import VisitorId


@pytest.fixture
def job_app(app, monkeypatch):
    """Jobs run in this process (SimpleWorker) against the test app."""
    import jobs

    monkeypatch.setattr(jobs, "_app", app)
    monkeypatch.setattr(jobs, "_app_pid", os.getpid())
    return app


def work(max_jobs: int = 50) -> None:
    """Run the routing queue until it is empty (bounded)."""
    worker = SimpleWorker([queue(routing_jobs.QUEUE)], connection=redis.client, serializer="json")
    worker.work(burst=True, max_jobs=max_jobs)


def run_scheduled(rep_id: int | None = None) -> list[str]:
    """Move scheduled jobs (offer timeouts, retries) to their queue now, as the scheduler
    would once they are due; with `rep_id`, only that rep's offer timeouts. Their ids."""
    registry = queue(routing_jobs.QUEUE).scheduled_job_registry
    ids = []
    for job_id in registry.get_job_ids():
        job = Job.fetch(job_id, connection=redis.client, serializer="json")
        if rep_id is None or (job.func_name.endswith("offer_timeout") and job.args[1] == rep_id):
            registry.requeue(job_id)
            ids.append(job_id)
    return ids


class ThreadWorker(SimpleWorker):
    """A SimpleWorker that can run in a thread (no signal handlers, timer timeouts)."""

    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self) -> None:
        pass


@pytest.fixture
def make_rep(app_ctx):
    """A chat rep whose board is open (routing counts a closed board as offline)."""

    def make(**kwargs):
        user = UserFactory(**kwargs)
        board_presence.touch_board(user.id)
        return user

    return make


@pytest.fixture
def three_reps(make_rep):
    return [make_rep(name=name, email=f"{name.lower()}@example.com")
            for name in ("Ann", "Bob", "Cy")]


@pytest.fixture
def make_rule(app_ctx):
    def make(reps, **kwargs):
        kwargs.setdefault("route_to_all", False)
        rule = RoutingRuleFactory(**kwargs)
        rule.route_to_users = list(reps)
        from liveapp.extensions import db

        db.session.commit()
        return rule

    return make


@pytest.fixture
def visit(api, app_ctx):  # noqa: F811  (the events API fixture)
    """visit() -> a new live visitor's id, created through the events API."""

    def make() -> str:
        vid = VisitorId()
        assert api.send(visitor_id=vid).status_code == 202
        return vid

    return make
