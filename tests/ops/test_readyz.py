"""GET /readyz: 200 with a worker seen in the last minute, 503 without; the pipeline's lag
(entries waiting and pending over the shard streams, the oldest's age) in the body."""

import time

import pytest
from rq import SimpleWorker


@pytest.fixture
def live_worker(app_ctx):
    from liveapp.extensions import queue, redis

    worker = SimpleWorker([queue("default")], connection=redis.client, serializer="json")
    worker.register_birth()
    yield worker
    worker.register_death()


def test_ready_with_a_live_worker(browser, live_worker):
    response = browser.get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["worker"]["seen"] is True
    assert body["worker"]["last_seconds_ago"] < 60
    assert body["pipeline"] == {"waiting": 0, "pending": 0, "oldest_seconds": 0.0}


def test_not_ready_without_a_worker(browser, app_ctx):
    response = browser.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["worker"] == {"seen": False, "last_seconds_ago": None,
                              "checked_at": body["worker"]["checked_at"]}
    assert body["failed"] == ["worker: none seen in the last minute"]
    assert "pipeline" in body


def test_a_worker_silent_for_over_a_minute_is_not_seen(browser, live_worker):
    _heartbeat_at(live_worker, 90)
    response = browser.get("/readyz")
    assert response.status_code == 503
    assert 85 < response.get_json()["worker"]["last_seconds_ago"] < 120


def test_an_idle_worker_is_seen_through_its_clock(app, browser, live_worker):
    """RQ heartbeats an idle worker every 405 s only: its clock's runs say it is alive."""
    from jobs.clock import Clock, tasks_for

    _heartbeat_at(live_worker, 300)
    assert browser.get("/readyz").status_code == 503
    clock = Clock(app, live_worker.name, tasks_for(app.config), 15.0)
    clock.tick(time.time())
    clock.stop()
    response = browser.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["worker"]["last_seconds_ago"] < 30


def _heartbeat_at(worker, seconds_ago: float) -> None:
    from datetime import UTC, datetime, timedelta

    beat = datetime.now(UTC) - timedelta(seconds=seconds_ago)
    worker.connection.hset(worker.key, "last_heartbeat", beat.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))


def test_the_pipeline_lag_counts_waiting_and_pending_entries(browser, live_worker):
    from liveapp.extensions import redis
    from liveapp.services import pipeline

    pipeline.ensure_groups()
    first, second = pipeline.stream_keys()[:2]
    redis.client.xadd(first, {"v": "a"}, id=f"{int(time.time() * 1000) - 30_000}-0")
    redis.client.xadd(first, {"v": "b"})
    redis.client.xadd(second, {"v": "c"})
    redis.client.xreadgroup(pipeline.GROUP, "p1", {second: ">"}, count=1)  # one pending
    body = browser.get("/readyz").get_json()
    assert body["pipeline"]["waiting"] == 2
    assert body["pipeline"]["pending"] == 1
    assert 29 < body["pipeline"]["oldest_seconds"] < 60


def test_healthz_stays_the_liveness_check_without_a_worker(browser, app_ctx):
    assert browser.get("/healthz").status_code == 200
