"""A real liveapp under gunicorn (gevent worker) for tests, and a small SSE client."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from liveapp.cli import WORKER_CLASS

ROOT = Path(__file__).resolve().parents[2]
CSRF_META = re.compile(r'name="csrf-token" content="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn(app, config: dict, workers: int = 1, log_path: Path | None = None):
    """Start the app with gunicorn's gevent worker (as `liveapp web` runs it) on a free
    port; returns (proc, base_url).

    It uses the given app's database, Redis, key prefix, secret and instance folder;
    `config` is passed to create_app (gunicorn calls the factory with literal args).
    """
    port = free_port()
    env = _env(app)
    argv = [
        sys.executable, "-m", "gunicorn", "--worker-class", WORKER_CLASS,
        "--workers", str(workers), "--worker-connections", "2000",
        "--bind", f"127.0.0.1:{port}", "--graceful-timeout", "2", "--timeout", "60",
        f"liveapp:create_app({config!r})",
    ]
    log = open(log_path, "wb") if log_path else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=log)
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}; see {log_path}")
        try:
            if httpx.get(base_url + "/auth/login", timeout=1).status_code == 200:
                return proc, base_url
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("gunicorn did not answer within 30 s")
        time.sleep(0.1)


def _env(app) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": app.config["REDIS_URL"],
        "LIVEAPP_REDIS_PREFIX": app.config["REDIS_PREFIX"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "LIVEAPP_INSTANCE": app.instance_path,
        "LIVEAPP_LOGIN_RATE_LIMIT": "100000",
    }


def pipeline(app, log_path: Path | None = None) -> subprocess.Popen:
    """Start `liveapp pipeline` on the app's database and Redis: a server started with
    `gunicorn` only accepts events; this process records them, as in production."""
    log = open(log_path, "wb") if log_path else subprocess.DEVNULL  # noqa: SIM115
    return subprocess.Popen([sys.executable, "-m", "liveapp.cli", "pipeline", "--block-ms",
                             "100"], cwd=ROOT, env=_env(app), stdout=log, stderr=log)


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def login(client: httpx.Client, email: str, password: str) -> None:
    """Sign in through the real form (CSRF token from the page's meta tag)."""
    page = client.get("/auth/login")
    token = CSRF_META.search(page.text).group(1)
    response = client.post(
        "/auth/login", data={"email": email, "password": password, "csrf_token": token}
    )
    assert response.status_code == 303, response.text


@dataclass
class Frame:
    """One SSE frame: its fields, and its comment lines."""

    event: str = "message"
    data_lines: list[str] = field(default_factory=list)
    id: str | None = None
    retry: str | None = None
    comments: list[str] = field(default_factory=list)

    @property
    def data(self) -> str:
        return "\n".join(self.data_lines)

    @property
    def is_event(self) -> bool:
        return bool(self.data_lines)  # browsers dispatch nothing without data


def parse_frames(lines: Iterator[str]) -> Iterator[Frame]:
    """SSE frames from a stream's lines, as the spec parses them."""
    frame = Frame()
    for line in lines:
        if line == "":
            yield frame
            frame = Frame()
            continue
        if line.startswith(":"):
            frame.comments.append(line[1:].strip())
            continue
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "data":
            frame.data_lines.append(value)
        elif name == "event":
            frame.event = value
        elif name in ("id", "retry"):
            setattr(frame, name, value)


class EventStream:
    """An open event stream read frame by frame (each read bounded by the client timeout)."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.frames = parse_frames(response.iter_lines())

    def next_frame(self) -> Frame:
        return next(self.frames)

    def next_event(self) -> Frame:
        """The next frame that is an event (skipping pings and the opening comment)."""
        while True:
            frame = self.next_frame()
            if frame.is_event:
                return frame


@contextlib.contextmanager
def rep_stream(base_url: str, user, password: str, timeout: float = 5.0):
    """The user's own board stream on a running server, signed in, past its opening."""
    from liveapp.infra import realtime

    with httpx.Client(base_url=base_url, timeout=timeout) as client:
        login(client, user.email, password)
        url = f"/events/stream?channel={realtime.rep_channel(user.id)}"
        with client.stream("GET", url) as response:
            assert response.status_code == 200
            stream = EventStream(response)
            assert stream.next_frame().comments[0] == "connected"
            yield stream
