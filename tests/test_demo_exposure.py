"""`liveapp demo` exposes nothing to other users of the machine or to other clients
(issue 14, findings 9 and 4): its instance folder and files are the owner's only, its
embedded Redis asks for a password, and only its own simulator chooses a client address."""

from __future__ import annotations

import re
import signal
import stat
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import pytest
import redis

from liveapp import embedded_redis, simulated_clients
from tests.test_cli import LIVEAPP, _embedded_env, _free_port, _read_until

INSTANCE_FILES = ("liveapp.sqlite3", "liveapp.sqlite3-wal", "liveapp.sqlite3-shm",
                  "crm-sandbox.json", "secret_key", "redis-password", "redis.json",
                  "redis.log", "simulator-key")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A running `liveapp demo` (its own folder, embedded Redis, SQLite): (url, instance)."""
    folder = tmp_path_factory.mktemp("demo")
    proc = subprocess.Popen(
        [*LIVEAPP, "demo", "--port", str(_free_port())], cwd=folder,
        env=_embedded_env(folder / "instance"), stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True, umask=0o022,  # a usual login shell's
    )
    try:
        head = _read_until(proc, "Press Ctrl-C", timeout=120)
        url = re.search(r"running at (http://\S+)", head).group(1).rstrip("/")
        yield url, folder / "instance"
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_instance_folder_and_its_files_are_the_owners_only(demo):
    _, instance = demo
    assert _mode(instance) == 0o700
    deadline = time.monotonic() + 30
    while not all((instance / name).exists() for name in INSTANCE_FILES):
        assert time.monotonic() < deadline, sorted(p.name for p in instance.iterdir())
        time.sleep(0.3)
    modes = {name: oct(_mode(instance / name)) for name in INSTANCE_FILES}
    assert modes == {name: oct(0o600) for name in INSTANCE_FILES}
    loose = [p for p in instance.rglob("*") if _mode(p) & 0o077]
    assert loose == []


def test_the_embedded_redis_refuses_a_client_without_its_password(demo):
    _, instance = demo
    server = embedded_redis.running(instance)
    assert server is not None and server.password
    stranger = redis.Redis(host="127.0.0.1", port=server.port, socket_timeout=5)
    with pytest.raises(redis.AuthenticationError):
        stranger.ping()
    with pytest.raises(redis.AuthenticationError):
        stranger.publish("liveapp:sse", "<script>")
    assert redis.Redis.from_url(server.url).ping()
    # Not on any process's command line, where every user of the machine could read it.
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            assert server.password.encode() not in cmdline.read_bytes()
        except OSError:
            continue


def _sign_in_attempt(client: httpx.Client, headers: dict | None = None) -> int:
    page = client.get("/auth/login").text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    return client.post("/auth/login", headers=headers or {}, data={
        "email": f"{uuid.uuid4().hex}@example.com", "password": "wrong-password",
        "csrf_token": token}).status_code


def test_only_the_demos_simulator_chooses_a_client_address(demo):
    """The sign-in limit (10 a window per address): X-Forwarded-For and a wrongly signed
    simulator header leave the address the socket's; a correctly signed one changes it."""
    url, instance = demo
    with httpx.Client(base_url=url, timeout=10) as client:
        assert [_sign_in_attempt(client) for _ in range(10)] == [401] * 10
        assert _sign_in_attempt(client) == 429
        assert _sign_in_attempt(client, {"X-Forwarded-For": "198.51.100.7"}) == 429
        forged = simulated_clients.signed("not-the-key", "198.51.100.8")
        assert _sign_in_attempt(client, {simulated_clients.HEADER: forged}) == 429
        key = (instance / simulated_clients.KEY_FILE).read_text().strip()
        signed = simulated_clients.signed(key, "198.51.100.9")
        assert _sign_in_attempt(client, {simulated_clients.HEADER: signed}) == 401
