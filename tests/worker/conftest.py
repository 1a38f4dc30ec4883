"""Real `liveapp worker` processes against the test app's database and Redis namespace."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator

import pytest
from rq.job import Job

from liveapp.extensions import redis
from tests.test_cli import LIVEAPP, ROOT

DONE = ("finished", "failed", "stopped", "canceled")


@pytest.fixture
def start_worker(app, redis_url, tmp_path) -> Iterator[Callable[..., subprocess.Popen]]:
    """start_worker(**env) -> a running `liveapp worker` (stopped after the test)."""
    started: list[subprocess.Popen] = []

    def start(**settings: str) -> subprocess.Popen:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        env.update({
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": redis_url,
            "LIVEAPP_REDIS_PREFIX": app.config["REDIS_PREFIX"],
            "LIVEAPP_INSTANCE": os.environ["LIVEAPP_INSTANCE"], "SECRET_KEY": "test-secret",
            "LIVEAPP_WORKER_LOG_LEVEL": "INFO", "PYTHONUNBUFFERED": "1", **settings,
        })
        log = open(tmp_path / f"worker-{len(started)}.log", "ab")  # noqa: SIM115
        proc = subprocess.Popen([*LIVEAPP, "worker"], cwd=ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        proc.log = log.name
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in started:
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_for(job: Job, timeout: float = 20.0) -> str:
    """The job's final status, once a worker is done with it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = job.get_status(refresh=True)
        if status in DONE:
            return status
        time.sleep(0.05)
    raise AssertionError(f"job {job.id} still {job.get_status()} after {timeout} s")


def log_of(proc: subprocess.Popen) -> str:
    with contextlib.suppress(OSError), open(proc.log, errors="replace") as f:
        return f.read()[-4000:]
    return "(no log)"


def fetch(job_id: str) -> Job:
    return Job.fetch(job_id, connection=redis.client, serializer="json")
