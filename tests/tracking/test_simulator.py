"""The simulator against a live server over real HTTP, and the demo's site seed."""

from __future__ import annotations

import ipaddress
import threading

import pytest
from click.testing import CliRunner
from werkzeug.serving import make_server

from liveapp.demo import simulator
from liveapp.demo.visitors import company_pool
from liveapp.extensions import db
from liveapp.models import PageView, Site, Visitor

SIMULATOR_KEY = "test-simulator-key"


@pytest.fixture
def live_server(app, monkeypatch):
    """The test app served over HTTP on a free port, honouring the simulator's signed
    addresses like the demo's web process."""
    monkeypatch.setitem(app.config, "SIMULATOR_KEY", SIMULATOR_KEY)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def test_simulated_journeys_arrive_through_the_api(live_server, site, app_ctx):
    stats = simulator.run(live_server, site.site_key, visitors=4, rate=50, speed=2000,
                          total=4, seed=7, startup_timeout=5, simulator_key=SIMULATOR_KEY)
    assert stats.journeys == 4 and stats.errors == 0
    assert set(stats.statuses) == {202}, stats.statuses
    visitors = db.session.scalars(db.select(Visitor)).all()
    assert len(visitors) == 4
    networks = [ipaddress.IPv4Network(c.network) for c in company_pool()]
    assert all(any(ipaddress.IPv4Address(v.ip) in n for n in networks) for v in visitors)
    views = db.session.scalars(db.select(PageView)).all()
    assert len(views) >= 4 and all(v.url.startswith(live_server + "/demo-site/") for v in views)
    assert all("lv_email" not in v.url for v in views)


def test_simulate_command(live_server, site):
    result = CliRunner().invoke(__import__("liveapp.cli", fromlist=["main"]).main, [
        "simulate", "--url", live_server, "--site-key", site.site_key, "--visitors", "2",
        "--rate", "50", "--speed", "5000", "--total", "2", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "2 visitors" in result.output
    assert "chat: 0 requests, 0 messages, 0 bookings, 0 throttled, 0 errors" in result.output


def test_simulate_command_checks_the_chat_share(site):
    result = CliRunner().invoke(__import__("liveapp.cli", fromlist=["main"]).main, [
        "simulate", "--url", "http://127.0.0.1:9", "--site-key", site.site_key,
        "--chat-share", "1.5"])
    assert result.exit_code == 2 and "--chat-share" in result.output


def test_demo_seed_creates_the_demo_site_once(app_ctx):
    from liveapp.demo import seeding

    seeding.seed()
    seeding.seed()
    seeding.allow_demo_origin("http://127.0.0.1:8003")
    [site] = db.session.scalars(db.select(Site)).all()
    assert "http://127.0.0.1:8000" in site.allowed_origins
    assert "http://localhost:8003" in site.allowed_origins
    assert len(site.allowed_origins) == len(set(site.allowed_origins)) == 4
    lines = seeding.announcements()
    assert any(site.site_key in line for line in lines)
    processes = dict(seeding.extra_processes("http://127.0.0.1:8003"))
    argv = processes["simulator"]
    assert "simulate" in argv and "http://127.0.0.1:8003" in argv
    assert "crm-sandbox" in processes["crm-sandbox"]
    assert processes["reps"][-3:] == ["liveapp.demo.reps", "--url", "http://127.0.0.1:8003"]
    assert lines[0].startswith("Bob, Cara and Dev are simulated")
