"""The open-streams gauge over real HTTP: two gunicorn workers counting in one
multiprocess folder, scraped through whichever worker answers."""

from __future__ import annotations

import os

import httpx
import pytest

from tests.ops.scrape import value
from tests.realtime.server import gunicorn, stop
from tests.realtime.test_http import WAIT, board, wait_until

TOKEN = "scraper-token"


@pytest.fixture(scope="module")
def server(app, tmp_path_factory):
    folder = tmp_path_factory.mktemp("metrics") / "web-test"
    folder.mkdir()
    saved = {k: os.environ.get(k) for k in ("PROMETHEUS_MULTIPROC_DIR",
                                             "LIVEAPP_METRICS_TOKEN")}
    os.environ.update(PROMETHEUS_MULTIPROC_DIR=str(folder), LIVEAPP_METRICS_TOKEN=TOKEN)
    try:
        log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
        proc, base_url = gunicorn(app, {"SSE_PING_INTERVAL": 0.2}, workers=2, log_path=log)
    finally:
        for key, old in saved.items():
            os.environ.pop(key) if old is None else os.environ.update({key: old})
    yield base_url
    stop(proc)


def open_streams(server: str, kind: str) -> float:
    text = httpx.get(server + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"},
                     timeout=WAIT).text
    return value(text, "liveapp_sse_streams_open", kind=kind)


def test_the_gauge_counts_open_streams_across_workers(server, app_ctx, rep, admin):
    assert open_streams(server, "rep") == 0
    with board(server, rep), board(server, admin, channel="admin"):
        assert wait_until(lambda: open_streams(server, "rep") == 1)
        assert wait_until(lambda: open_streams(server, "admin") == 1)
        for _ in range(6):  # whichever worker answers the scrape sees both
            assert open_streams(server, "rep") == 1
    assert wait_until(lambda: open_streams(server, "rep") == 0)
    assert wait_until(lambda: open_streams(server, "admin") == 0)


def test_without_the_token_the_server_refuses(server):
    assert httpx.get(server + "/metrics", timeout=WAIT).status_code == 401
