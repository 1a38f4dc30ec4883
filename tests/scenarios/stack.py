"""The real stack a scenario runs against, started the way `liveapp demo` starts it.

`liveapp demo` runs, in one process group: an embedded Redis (unless REDIS_URL is set),
migrations and the demo data, `liveapp web` (gunicorn, gevent workers), `liveapp worker`
(RQ jobs without a fork per job, and the periodic tasks), `liveapp pipeline` (records the
events the web processes accepted), the CRM sandbox
(`liveapp crm-sandbox`, with every CRM integration pointed at it) and the visitor
simulator. A scenario gets the same processes, minus the simulator (its visitors are the
scenario's own), each in its own process group with its own log, on a fresh database and
Redis namespace, with the settings that shorten time given through the environment as an
operator would.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import redis as redis_client

from liveapp import embedded_redis, simulated_clients
from liveapp.demo.crm_sandbox import server as sandbox_server
from liveapp.integrations.tls import httpx_verify
from tests.conftest import RUN_ID, fresh_database
from tests.realtime.server import ROOT, free_port
from tests.scenarios.people import SIMULATOR_KEY
from tests.test_cli import LIVEAPP

START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
LOG_TAIL = 60  # lines of each process's log shown with a failed scenario

# What scenarios shorten by default; a module may add or override (STACK_SETTINGS).
DEFAULT_SETTINGS = {
    "LIVEAPP_LOGIN_RATE_LIMIT": "10000",  # every scenario signs the team in again
    "LIVEAPP_ROUTING_QUEUE_WAIT": "20",  # the demo's 45 s, shortened
    "LIVEAPP_WORKER_LOG_LEVEL": "INFO",  # each job in the worker's log, for failures
    "LIVEAPP_ACCESS_LOG": "1",
}


@dataclass
class Process:
    """One started command, in its own process group, writing to its own log."""

    name: str
    proc: subprocess.Popen
    log: Path

    def tail(self, lines: int = LOG_TAIL) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


@dataclass
class Stack:
    """A running stack: its base URL, the CRM sandbox, and what it was started with."""

    url: str
    folder: Path
    env: dict[str, str]
    sandbox: dict
    processes: list[Process] = field(default_factory=list)
    redis: embedded_redis.EmbeddedRedis | None = None  # the stack's own server, if any

    def logs(self) -> str:
        """The end of every process's log, for a failure report."""
        return "\n".join(f"----- {p.name} ({p.log}) -----\n{p.tail()}" for p in self.processes)

    def sandbox_control(self, method: str, path: str, **kwargs) -> httpx.Response:
        """The sandbox's own control API (`/_sandbox/...`: faults, stats)."""
        with httpx.Client(base_url=self.sandbox["url"], timeout=10,
                          verify=httpx_verify(self.sandbox["ca_bundle"])) as client:
            return client.request(method, f"/_sandbox{path}", **kwargs)

    def assert_running(self) -> None:
        for process in self.processes:
            code = process.proc.poll()
            assert code is None, f"{process.name} exited with {code}:\n{process.tail()}"


def _command(name: str, argv: list[str], env: Mapping[str, str], folder: Path) -> Process:
    log = folder / f"{name}.log"
    with open(log, "ab") as out:
        proc = subprocess.Popen(argv, cwd=ROOT, env=dict(env), stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    return Process(name, proc, log)


def _run(name: str, argv: list[str], env: Mapping[str, str], folder: Path) -> None:
    """A command that must finish (the demo's data steps)."""
    process = _command(name, argv, env, folder)
    code = process.proc.wait(timeout=START_TIMEOUT * 2)
    assert code == 0, f"{name} failed with {code}:\n{process.tail()}"


def _wait_for(what: str, ready, processes: list[Process], timeout: float = START_TIMEOUT):
    deadline = time.monotonic() + timeout
    while True:
        value = ready()
        if value:
            return value
        for process in processes:
            code = process.proc.poll()
            if code is not None:
                raise RuntimeError(f"{process.name} exited with {code}:\n{process.tail()}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} not ready within {timeout} s")
        time.sleep(0.2)


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


# ------------------------------------------------------------------ stopping


def _children() -> dict[int, list[int]]:
    """ppid -> pids of every process now (from /proc)."""
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _descendants(pid: int) -> set[int]:
    tree, found, todo = _children(), set(), [pid]
    while todo:
        for child in tree.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _groups(pids: set[int]) -> set[int]:
    groups = set()
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            groups.add(os.getpgid(pid))
    return groups


def _signal_groups(groups: set[int], sig: int) -> None:
    for group in groups:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, sig)


def stop(processes: list[Process]) -> None:
    """SIGTERM every process group the stack made (gunicorn runs in one of its own under
    `liveapp web`), as Ctrl-C on the demo would; SIGKILL what is left after the grace."""
    pids = {p.proc.pid for p in processes if p.proc.poll() is None}
    for pid in list(pids):
        pids |= _descendants(pid)
    groups = _groups(pids)
    _signal_groups(groups, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.proc.wait(max(0.1, deadline - time.monotonic()))
    _signal_groups(groups, signal.SIGKILL)
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.proc.wait(5)


# ------------------------------------------------------------------ Redis


@contextlib.contextmanager
def fresh_redis(folder: Path, own: bool = False) -> Iterator[
        tuple[str, str, embedded_redis.EmbeddedRedis | None]]:
    """(REDIS_URL, key prefix, server): REDIS_URL's server with a prefix of this stack's
    own, emptied afterwards; else (or when `own`) an embedded server of its own (in
    `folder`/redis), stopped afterwards."""
    prefix = f"lvs{RUN_ID}{secrets.token_hex(3)}:"
    if os.environ.get("REDIS_URL") and not own:
        url = os.environ["REDIS_URL"]
        try:
            yield url, prefix, None
        finally:
            _forget_keys(url, prefix)
        return
    server = embedded_redis.start(folder / "redis")
    try:
        yield server.url, prefix, server
    finally:
        # A test may have restarted it: stop whichever server runs for that folder now.
        embedded_redis.stop(folder / "redis", _owned(embedded_redis.running(folder / "redis"))
                            or server)


def _owned(server: embedded_redis.EmbeddedRedis | None):
    return server and embedded_redis.EmbeddedRedis(server.pid, server.port, True,
                                                   server.password)


def _forget_keys(url: str, prefix: str) -> None:
    client = redis_client.Redis.from_url(url)
    try:
        # RQ's keys carry the prefix in queue names, and without its colon in job ids.
        for pattern in (f"{prefix}*", f"rq:*{prefix.rstrip(':')}*"):
            keys = list(client.scan_iter(match=pattern, count=1000))
            if keys:
                client.delete(*keys)
    finally:
        client.close()


# ------------------------------------------------------------------ starting


@contextlib.contextmanager
def started(folder: Path, settings: Mapping[str, str] | None = None,
            seed: str = "tests.scenarios.demo_setup", own_redis: bool = False
            ) -> Iterator[Stack]:
    """Start the stack in `folder`; stop every process and forget its data afterwards.

    Args:
        folder: a fresh folder: instance (secret, sandbox settings) and the logs.
        settings: environment settings over DEFAULT_SETTINGS.
        seed: the module run (`python -m`) to migrate and load the data; it is given the
            base URL and finds everything else in the environment.
        own_redis: an embedded Redis of the stack's own even when REDIS_URL is set (a
            test that stops and restarts it).
    """
    instance = folder / "instance"
    instance.mkdir(parents=True)
    with fresh_database(folder, f"{RUN_ID}_{folder.name}") as db_url, \
            fresh_redis(folder, own_redis) as (redis_url, prefix, server):
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        env.update(DEFAULT_SETTINGS)
        env.update(settings or {})
        env.update({
            "DATABASE_URL": db_url, "REDIS_URL": redis_url, "LIVEAPP_REDIS_PREFIX": prefix,
            "LIVEAPP_INSTANCE": str(instance), "SECRET_KEY": secrets.token_hex(16),
            "PYTHONUNBUFFERED": "1",
        })
        processes: list[Process] = []
        try:
            running = _start(folder, instance, env, seed, processes)
            running.redis = server
            yield running
        finally:
            stop(processes)


def _start(folder: Path, instance: Path, env: dict[str, str], seed: str,
           processes: list[Process]) -> Stack:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    processes.append(_command("crm-sandbox", [*LIVEAPP, "crm-sandbox", "--port", "0",
                                              "--quiet"], env, folder))
    # The demo's data steps: migrations, demo data, its origin, CRMs pointed at the sandbox
    # (the seed waits for the sandbox's settings, as the demo does).
    _run("seed", [sys.executable, "-m", seed, url], env, folder)
    sandbox = sandbox_server.load_settings(instance)
    # As in the demo, visitors' company addresses come signed with the simulator's key.
    web_env = {**env, simulated_clients.KEY_VARIABLE: SIMULATOR_KEY}
    processes.append(_command("web", [*LIVEAPP, "web", "--port", str(port)], web_env, folder))
    processes.append(_command("worker", [*LIVEAPP, "worker"], env, folder))
    processes.append(_command("pipeline", [*LIVEAPP, "pipeline", "--block-ms", "200"], env,
                              folder))
    _wait_for("web /healthz", lambda: _healthy(url), processes)
    return Stack(url=url, folder=folder, env=env, sandbox=sandbox, processes=processes)
