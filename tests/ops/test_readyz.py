"""GET /readyz: 200 with a worker alive (its liveness key, jobs/abandoned.py), 503 without;
the pipeline's lag (entries waiting and pending over the shard streams, the oldest's age,
the dead letters) in the body."""

import time

import pytest

from tests.rq_workers import SimpleWorker


@pytest.fixture
def registered(app_ctx):
    """A worker registered on liveapp's default queue, its liveness not started yet."""
    from liveapp.extensions import queue, redis

    worker = SimpleWorker([queue("default")], connection=redis.client, serializer="json")
    worker.register_birth()
    yield worker
    worker.register_death()


@pytest.fixture
def live_worker(app, registered):
    """The registered worker, alive as `liveapp worker` is: its liveness key renewed."""
    from jobs.abandoned import Liveness

    liveness = Liveness(app, registered.name, ttl=15.0)
    liveness.start()
    yield registered
    liveness.stop()


def test_ready_with_a_live_worker(browser, live_worker):
    response = browser.get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["worker"]["seen"] is True
    assert body["worker"]["last_seconds_ago"] < 60
    assert body["pipeline"] == {"waiting": 0, "pending": 0, "oldest_seconds": 0.0, "dead": 0}


def test_not_ready_without_a_worker(browser, app_ctx):
    response = browser.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["worker"] == {"seen": False, "last_seconds_ago": None,
                              "checked_at": body["worker"]["checked_at"]}
    assert body["failed"] == ["worker: none seen in the last minute"]
    assert "pipeline" in body


def test_a_registered_worker_without_liveness_is_not_seen(browser, registered):
    """RQ's registry alone (a worker killed hard stays in it) says nothing of life."""
    assert browser.get("/readyz").status_code == 503


def test_a_dead_workers_liveness_expires_and_a_stopped_one_is_gone(app, browser, registered):
    from jobs.abandoned import Liveness

    Liveness(app, registered.name, ttl=1.0)  # beats once, never renewed: killed
    assert browser.get("/readyz").status_code == 200
    time.sleep(1.1)
    assert browser.get("/readyz").status_code == 503
    stopping = Liveness(app, registered.name, ttl=15.0)
    stopping.start()
    assert browser.get("/readyz").status_code == 200
    stopping.stop()
    assert browser.get("/readyz").status_code == 503


def test_an_idle_worker_is_seen_through_its_liveness_not_rqs_heartbeat(browser, live_worker):
    """RQ heartbeats an idle worker every 405 s only; the liveness key every 5 s."""
    _heartbeat_at(live_worker, 300)
    response = browser.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["worker"]["last_seconds_ago"] < 5


def test_liveness_is_what_abandoned_job_recovery_reads(app_ctx, live_worker):
    """One source: the key /readyz reads is the one that keeps a worker's jobs its own."""
    from jobs.abandoned import alive_key, last_beat
    from liveapp.extensions import redis

    assert time.time() - last_beat() < 5
    redis.client.delete(alive_key(live_worker.name))
    assert last_beat() is None


def _heartbeat_at(worker, seconds_ago: float) -> None:
    from datetime import UTC, datetime, timedelta

    beat = datetime.now(UTC) - timedelta(seconds=seconds_ago)
    worker.connection.hset(worker.key, "last_heartbeat", beat.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))


def test_the_pipeline_lag_counts_waiting_and_pending_entries(browser, live_worker):
    from liveapp.extensions import redis
    from liveapp.services.tracking import pipeline

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
    assert body["pipeline"]["dead"] == 0
    redis.client.xadd(pipeline.dead_key(), {"v": "d"})
    assert browser.get("/readyz").get_json()["pipeline"]["dead"] == 1


def test_healthz_stays_the_liveness_check_without_a_worker(browser, app_ctx):
    assert browser.get("/healthz").status_code == 200
