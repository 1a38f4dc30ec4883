"""A real `liveapp pipeline` process records what a real HTTP server accepted."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time

import httpx

from tests.test_cli import LIVEAPP
from tests.tracking.conftest import ORIGIN
from tests.visitor_ids import VisitorId, cookie_of

WAIT = 30.0


def test_a_pipeline_process_records_events_posted_to_a_running_server(
        stream_mode, live_server, site, app, database_url, redis_url, count_rows, tmp_path):
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
           "LIVEAPP_REDIS_PREFIX": app.config["REDIS_PREFIX"],
           "LIVEAPP_INSTANCE": str(tmp_path), "SECRET_KEY": "test-secret"}
    log = (tmp_path / "pipeline.log").open("w")
    proc = subprocess.Popen([*LIVEAPP, "pipeline", "--block-ms", "200"], env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        visitors = [VisitorId() for _ in range(3)]
        with httpx.Client(base_url=live_server, headers={"Origin": ORIGIN}) as http:
            for visitor_id in visitors:
                for page in ("/", "/pricing"):
                    response = http.post("/t/v1/events", json={
                        "site_key": site.site_key, "visitor_id": cookie_of(visitor_id),
                        "type": "page_view", "url": f"https://www.example.com{page}"})
                    assert response.status_code == 202
        deadline = time.monotonic() + WAIT
        while count_rows()["page_views"] < 6 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert count_rows() == {"visitors": 3, "visit_sessions": 3, "page_views": 6}, (
            (tmp_path / "pipeline.log").read_text())
    finally:
        _stop(proc)
        log.close()
    assert proc.returncode == 0, (tmp_path / "pipeline.log").read_text()


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM (a clean stop: leases given back), SIGKILL if it does not end in 10 s."""
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _start(env: dict, log_path) -> subprocess.Popen:
    log = log_path.open("w")
    proc = subprocess.Popen([*LIVEAPP, "pipeline", "--block-ms", "200", "--batch", "10"],
                            env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    log.close()
    return proc


def _wait(condition, what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def test_two_processors_keep_each_visitors_order_and_survive_a_kill(
        stream_mode, live_server, site, app, database_url, redis_url, count_rows, tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import func, select

    from liveapp.extensions import db, redis
    from liveapp.models import PageView, VisitSession
    from liveapp.services.tracking import hot_state, pipeline, processors

    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
           "LIVEAPP_REDIS_PREFIX": app.config["REDIS_PREFIX"],
           "LIVEAPP_INSTANCE": str(tmp_path), "SECRET_KEY": "test-secret",
           "LIVEAPP_PIPELINE_SHARDS": "8",
           "LIVEAPP_PIPELINE_LEASE": "2"}
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    procs = [_start(env, path) for path in logs]

    def holders() -> dict:
        with app.app_context():
            return processors.lease_holders()

    def output() -> str:
        return "\n".join(path.read_text() for path in logs)

    visitors = [VisitorId() for _ in range(40)]
    pages = 6
    accepted = []
    site_key = site.site_key  # read here: the posting threads have no app context

    def post(http, visitor_id: str, page: int) -> None:
        response = http.post("/t/v1/events", json={
            "site_key": site_key, "visitor_id": cookie_of(visitor_id), "type": "page_view",
            "url": f"https://www.example.com/p{page}"})
        assert response.status_code == 202
        accepted.append(visitor_id)

    def post_round(http, pool, page: int) -> None:
        # Visitors at once (threads), each visitor's pages one after the other.
        list(pool.map(lambda v: post(http, v, page), visitors))

    try:
        _wait(lambda: len(set(holders().values())) == 2
              and None not in holders().values(), "two processors share the shards")
        assert sorted(list(holders().values()).count(f"{socket.gethostname()}:{p.pid}")
                      for p in procs) == [4, 4]
        with (httpx.Client(base_url=live_server, headers={"Origin": ORIGIN}) as http,
              ThreadPoolExecutor(8) as pool):
            for page in range(3):
                post_round(http, pool, page)
            os.killpg(procs[0].pid, signal.SIGKILL)  # mid-load: entries in the streams
            procs[0].wait()
            for page in range(3, pages):
                post_round(http, pool, page)
        survivor = f"{socket.gethostname()}:{procs[1].pid}"
        _wait(lambda: set(holders().values()) == {survivor}, "the survivor takes every shard")
        _wait(lambda: count_rows()["page_views"] >= len(accepted), "every page view recorded")
        time.sleep(1.0)  # nothing more arrives (a duplicate would)
        assert len(accepted) == len(visitors) * pages
        assert count_rows() == {"visitors": len(visitors), "visit_sessions": len(visitors),
                                "page_views": len(accepted)}, output()
        with app.app_context():
            assert db.session.scalar(select(func.count(func.distinct(PageView.event_id)))) \
                == len(accepted)
            for visitor_id in visitors:
                urls = db.session.scalars(select(PageView.url).where(
                    PageView.visitor_id == visitor_id).order_by(PageView.id)).all()
                assert urls == [f"https://www.example.com/p{i}" for i in range(pages)]
                session = db.session.scalars(select(VisitSession).where(
                    VisitSession.visitor_id == visitor_id)).one()
                assert session.page_count == pages
                assert hot_state.load(visitor_id).pages == pages
            assert sum(redis.client.xlen(k) for k in pipeline.stream_keys()) == 0
    finally:
        for proc in procs:
            if proc.poll() is None:
                _stop(proc)
    assert procs[1].returncode == 0, output()
    assert set(holders().values()) == {None}  # a clean stop gives its leases back
