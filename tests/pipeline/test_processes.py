"""A real `liveapp pipeline` process records what a real HTTP server accepted."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid

import httpx

from tests.test_cli import LIVEAPP
from tests.tracking.conftest import ORIGIN

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
        visitors = [str(uuid.uuid4()) for _ in range(3)]
        with httpx.Client(base_url=live_server, headers={"Origin": ORIGIN}) as http:
            for visitor_id in visitors:
                for page in ("/", "/pricing"):
                    response = http.post("/t/v1/events", json={
                        "site_key": site.site_key, "visitor_id": visitor_id,
                        "type": "page_view", "url": f"https://www.example.com{page}"})
                    assert response.status_code == 202
        deadline = time.monotonic() + WAIT
        while count_rows()["page_views"] < 6 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert count_rows() == {"visitors": 3, "visit_sessions": 3, "page_views": 6}, (
            (tmp_path / "pipeline.log").read_text())
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
    assert proc.returncode == 0, (tmp_path / "pipeline.log").read_text()
