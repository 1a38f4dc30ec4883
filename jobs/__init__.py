"""RQ jobs. Each takes ids and JSON-safe values, re-loads what it needs, and is idempotent.

Job policy lives in one place: each job function declares its queue, timeout, retries and
TTLs with `@job(...)` right above it, and every caller enqueues the function itself with
`enqueue(func, *args)` (or `enqueue(func, *args, delay=seconds)` for a scheduled run,
which RQ's scheduler in the worker's clock moves onto the queue when due).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from flask import current_app
from rq.job import Job

import liveapp
from liveapp.extensions import db, queue
from liveapp.services.bus import changes

RESULT_TTL = 300  # seconds a finished job's result is kept
FAILURE_TTL = 7 * 24 * 3600  # failed jobs stay visible to ops (rq-dashboard) for a week

# A policy value, or a function of the app's configuration giving it at enqueue time.
Setting = Any
F = TypeVar("F", bound=Callable[..., Any])

_app = None
_app_pid = None


@dataclass(frozen=True)
class Policy:
    """How a job is queued: its queue (one of `liveapp.extensions.QUEUE_NAMES`), timeout
    (seconds), retries (an `rq.Retry` or None) and the TTLs of its result and failure."""

    queue: str
    timeout: Setting
    retry: Setting = None
    result_ttl: int = RESULT_TTL
    failure_ttl: int = FAILURE_TTL

    def options(self, config) -> dict[str, Any]:
        def value(setting: Setting) -> Any:
            return setting(config) if callable(setting) else setting

        return {"job_timeout": value(self.timeout), "retry": value(self.retry),
                "result_ttl": self.result_ttl, "failure_ttl": self.failure_ttl}


def job(*, queue: str, timeout: Setting, retry: Setting = None, result_ttl: int = RESULT_TTL,
        failure_ttl: int = FAILURE_TTL) -> Callable[[F], F]:
    """Declare a job's policy on its function (`func.policy`); the function is unchanged."""
    policy = Policy(queue, timeout, retry, result_ttl, failure_ttl)

    def declare(func: F) -> F:
        func.policy = policy  # type: ignore[attr-defined]
        return func

    return declare


def enqueue(func: Callable[..., Any], *args: Any, delay: float | None = None) -> Job:
    """Queue `func(*args)` with the policy declared on it; with `delay`, run it that many
    seconds from now. Needs an app context."""
    policy = getattr(func, "policy", None)
    if not isinstance(policy, Policy):
        raise TypeError(f"{func!r} is not a job: declare its policy with @jobs.job(...)")
    options = policy.options(current_app.config)
    if delay is None:
        return queue(policy.queue).enqueue(func, *args, **options)
    return queue(policy.queue).enqueue_in(timedelta(seconds=delay), func, *args, **options)


def get_app():
    """The Flask app for jobs, built once per process (and rebuilt in a forked child)."""
    global _app, _app_pid
    if _app is None:
        _app = liveapp.create_app()
        _app_pid = os.getpid()
    elif _app_pid != os.getpid():
        # A forked work-horse must not share the parent's database connections.
        with _app.app_context():
            db.engine.dispose(close=False)
        _app_pid = os.getpid()
    return _app


@contextlib.contextmanager
def app_context():
    """Run a job body inside the app context as one unit of work of the change bus (its
    changes are dispatched when it ends, also when it fails: what it committed before
    failing happened), with a clean session afterwards."""
    app = get_app()
    with app.app_context():
        work = changes.begin()
        try:
            yield app
        except BaseException:
            db.session.rollback()
            raise
        finally:
            try:
                changes.end(work)
            finally:
                db.session.remove()
