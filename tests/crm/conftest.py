"""CRM jobs and settings: the sandbox (bundled demo fixture) over real HTTPS, integrations
saved pointing at it, a real RQ worker, and the sandbox's request counters."""

from __future__ import annotations

import os
import uuid

import pytest

from liveapp.demo.crm_sandbox import server
from tests.integrations.conftest import Control
from tests.rq_workers import SimpleWorker


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory):
    running = server.start(folder=tmp_path_factory.mktemp("crm-jobs-sandbox"))
    yield running
    running.stop()


@pytest.fixture
def control(sandbox):
    ctl = Control(sandbox)
    ctl.reset()
    yield ctl
    ctl.reset()
    ctl.http.close()


@pytest.fixture
def requests_made(control):
    """requests_made() -> {service: count} so far (the sandbox counts every request)."""
    def count() -> dict[str, int]:
        return control.http.get("/_sandbox/stats").json()["requests"]

    return count


@pytest.fixture
def connected(app_ctx, sandbox, control):
    """Every CRM enabled and pointed at the sandbox."""
    from liveapp.services.crm import crm_settings

    crm_settings.save_all(sandbox.settings())
    return sandbox


@pytest.fixture
def job_app(app, monkeypatch):
    """Jobs run inside the test app (jobs.get_app() would build one from the environment)."""
    import jobs

    monkeypatch.setattr(jobs, "_app", app)
    monkeypatch.setattr(jobs, "_app_pid", os.getpid())
    return app


@pytest.fixture
def run_jobs(job_app):
    """Work the default queue with a real RQ worker until it is empty."""
    from liveapp.extensions import queue, redis

    def run() -> None:
        SimpleWorker([queue("default")], connection=redis.client, serializer="json").work(
            burst=True, max_jobs=20)

    return run


@pytest.fixture
def make_visitor(app_ctx):
    """make_visitor(email=..., company_name=...) -> a Visitor row on a site."""
    from liveapp.extensions import db
    from liveapp.models import Visitor
    from liveapp.services.settings import sites

    site = sites.save_site(None, name="Example", allowed_origins=["https://www.example.com"])

    def make(**fields) -> Visitor:
        visitor = Visitor(id=str(uuid.uuid4()), site_id=site.id, **fields)
        db.session.add(visitor)
        db.session.commit()
        return visitor

    return make


@pytest.fixture
def published():
    """Every change published in this process during the test."""
    from liveapp.services.bus import changes

    seen: list = []
    changes.subscribe(seen.append)
    yield seen
    changes.unsubscribe(seen.append)


@pytest.fixture
def identities():
    from liveapp.demo.crm_sandbox.fixture import identities

    return identities()
