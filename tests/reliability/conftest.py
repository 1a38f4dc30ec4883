"""Reliability fixtures: one started stack per module (tests/scenarios/stack.py: the real
web, worker, pipeline and CRM sandbox processes), with a Redis of its own even when
REDIS_URL is set, so a test may kill and restart it; the demo team at their boards;
visitors of the demo site; and the stack's database, read directly to count what was
kept."""

from __future__ import annotations

import os
import signal
import time

import pytest
import sqlalchemy as sa

from liveapp import embedded_redis
from liveapp.config import normalise_database_url
from tests.scenarios import stack as stacks
from tests.scenarios.conftest import (  # noqa: F401  (the scenarios' fixtures and report)
    STACK,
    clean_state,
    pytest_runtest_makereport,
    site_key,
    team,
    visitor,
)
from tests.test_cli import LIVEAPP

# Nothing here may be refused for going too fast: load comes from one address.
DEFAULT_SETTINGS = {
    "LIVEAPP_TRACKING_IP_LIMIT": "100000",
    "LIVEAPP_TRACKING_VISITOR_LIMIT": "100000",
    "LIVEAPP_CHAT_VISITOR_LIMIT": "100000",
    "LIVEAPP_CHAT_IP_LIMIT": "100000",
}


@pytest.fixture(scope="module")
def stack(request, tmp_path_factory):
    settings = {**DEFAULT_SETTINGS, **getattr(request.module, "STACK_SETTINGS", {})}
    with stacks.started(tmp_path_factory.mktemp("stack"), settings, own_redis=True) as running:
        request.node.stash[STACK] = running
        yield running


@pytest.fixture(scope="module")
def database(stack):
    """The stack's database, as its processes see it (a connection of the test's own)."""
    engine = sa.create_engine(normalise_database_url(stack.env["DATABASE_URL"]),
                             poolclass=sa.pool.NullPool)
    yield engine
    engine.dispose()


def rows(engine: sa.Engine, sql: str, **params) -> list:
    with engine.connect() as connection:
        return list(connection.execute(sa.text(sql), params))


def kill_redis(stack: stacks.Stack) -> int:
    """SIGKILL the stack's Redis (no chance to save anything); returns its port."""
    server = embedded_redis.running(stack.folder / "redis")
    assert server is not None, "the stack's Redis is not running"
    os.kill(server.pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while embedded_redis.ping(server.port) and time.monotonic() < deadline:
        time.sleep(0.05)
    return server.port


def start_redis(stack: stacks.Stack, port: int) -> None:
    """The stack's Redis again, on its port, from what it wrote to its folder."""
    embedded_redis.start(stack.folder / "redis", port=port)


def start_process(stack: stacks.Stack, name: str, *args: str) -> stacks.Process:
    """Another `liveapp <args>` process of the stack (as a supervisor restarts one)."""
    process = stacks._command(name, [*LIVEAPP, *args], stack.env, stack.folder)  # noqa: SLF001
    stack.processes.append(process)
    return process


def kill_process(stack: stacks.Stack, name: str) -> None:
    """SIGKILL one of the stack's processes (its whole group), and forget it."""
    process = next(p for p in stack.processes if p.name == name)
    os.killpg(process.proc.pid, signal.SIGKILL)
    process.proc.wait(5)
    stack.processes.remove(process)


def signal_process(stack: stacks.Stack, name: str, sig: int) -> None:
    """Send a signal to one of the stack's processes (its whole group)."""
    process = next(p for p in stack.processes if p.name == name)
    os.killpg(process.proc.pid, sig)
