"""The `liveapp` console script, run as a user would run it."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from liveapp import embedded_redis

ROOT = Path(__file__).resolve().parent.parent
LIVEAPP = [sys.executable, "-m", "liveapp.cli"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _embedded_env(instance: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["LIVEAPP_INSTANCE"] = str(instance)
    return env


def _login(base: str, email: str, password: str) -> httpx.Response:
    with httpx.Client(base_url=base, timeout=10) as client:
        page = client.get("/auth/login").text
        token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        response = client.post("/auth/login", data={
            "email": email, "password": password, "csrf_token": token,
        })
        if response.status_code == 303:
            return client.get("/")
        return response


def _read_until(proc: subprocess.Popen, marker: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    seen = ""
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            if proc.poll() is not None:
                break
            continue
        seen += line
        if marker in line:
            return seen
    raise AssertionError(f"never printed {marker!r}; got:\n{seen}")


def test_demo_serves_and_its_printed_logins_work(tmp_path):
    port = _free_port()
    proc = subprocess.Popen(
        [*LIVEAPP, "demo", "--port", str(port)], cwd=tmp_path, env=_embedded_env(tmp_path),
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        head = _read_until(proc, "Press Ctrl-C", timeout=90)
        url = re.search(r"running at (http://\S+)", head).group(1).rstrip("/")
        password = re.search(r"password for all: (\S+)\)", head).group(1)
        logins = re.findall(r"^\s+(admin|rep)\s+(\S+@\S+)", head, flags=re.M)
        assert [r for r, _ in logins].count("admin") == 1
        assert [r for r, _ in logins].count("rep") >= 4
        assert "Bob Baker, Enterprise (simulated)" in head  # liveapp.demo.reps plays him
        assert "Ann Archer, Enterprise\n" in head
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "demo web never became healthy"
            time.sleep(0.3)
        for role, email in logins:
            board = _login(url, email, password)
            assert board.status_code == 200, (email, board.status_code)
            assert ('data-nav="settings"' in board.text) == (role == "admin")
        redis_state = embedded_redis.running(tmp_path)
        assert redis_state is not None
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=30)
    assert code == 0
    assert not embedded_redis.ping(redis_state.port)  # the demo stopped its Redis
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{url}/healthz", timeout=2)


def test_create_admin_then_seed_demo_is_idempotent(app, tmp_path):
    env = _embedded_env(tmp_path)
    env["REDIS_URL"] = app.config["REDIS_URL"]
    env["LIVEAPP_REDIS_PREFIX"] = app.config["REDIS_PREFIX"]  # this run's keys only
    env["DATABASE_URL"] = f"sqlite:///{tmp_path}/cli.sqlite3"
    created = subprocess.run(
        [*LIVEAPP, "create-admin", "--email", "Boss@Example.com", "--name", "Boss",
         "--password", "long-password"], env=env, capture_output=True, text=True, timeout=120,
    )
    assert created.returncode == 0, created.stderr
    again = subprocess.run(
        [*LIVEAPP, "create-admin", "--email", "boss@example.com", "--name", "Boss",
         "--password", "long-password"], env=env, capture_output=True, text=True, timeout=120,
    )
    assert again.returncode != 0
    assert "Another user already has this email" in again.stderr
    short = subprocess.run(
        [*LIVEAPP, "create-admin", "--email", "x@example.com", "--name", "X",
         "--password", "short"], env=env, capture_output=True, text=True, timeout=120,
    )
    assert short.returncode != 0 and "at least 8 characters" in short.stderr
    for _ in range(2):
        seeded = subprocess.run([*LIVEAPP, "seed-demo"], env=env, capture_output=True,
                                text=True, timeout=120)
        assert seeded.returncode == 0, seeded.stderr
        assert "admin@demo.liveapp.test" in seeded.stdout


def test_web_holds_many_streams_per_worker(monkeypatch):
    """Every rep board and every visitor's widget holds a stream: the web command asks
    gunicorn for 10,000 connections per worker and lifts the open-files limit to match."""
    import resource

    import click

    from liveapp import cli

    monkeypatch.delenv("LIVEAPP_WORKER_CONNECTIONS", raising=False)
    before = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        argv = cli._gunicorn_argv("127.0.0.1", 8000, 2)
        assert argv[argv.index("--worker-connections") + 1] == "10000"
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        assert soft >= min(10256, hard)
        monkeypatch.setenv("LIVEAPP_WORKER_CONNECTIONS", "500")
        argv = cli._gunicorn_argv("127.0.0.1", 8000, 2)
        assert argv[argv.index("--worker-connections") + 1] == "500"
        for bad in ("many", "0"):
            monkeypatch.setenv("LIVEAPP_WORKER_CONNECTIONS", bad)
            with pytest.raises(click.ClickException, match="LIVEAPP_WORKER_CONNECTIONS"):
                cli._gunicorn_argv("127.0.0.1", 8000, 2)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, before)
