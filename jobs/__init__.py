"""RQ jobs. Each takes ids and JSON-safe values, re-loads what it needs, and is idempotent."""

from __future__ import annotations

import contextlib
import os
import re
import time
from datetime import timedelta

_app = None
_app_pid = None


def get_app():
    """The Flask app for jobs, built once per process (and rebuilt in a forked child)."""
    global _app, _app_pid
    if _app is None:
        from liveapp import create_app

        _app = create_app()
        _app_pid = os.getpid()
    elif _app_pid != os.getpid():
        # A forked work-horse must not share the parent's database connections.
        from liveapp.extensions import db

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
        from liveapp.extensions import db
        from liveapp.services import changes

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


def schedule_in_slot(name: str, every: int, func: str, queue_name: str,
                     now: float | None = None) -> str:
    """Schedule `func` at the start of the next `every`-second slot; one job id per slot
    (named after `name` and the Redis prefix), so scheduling it again is a no-op.

    Returns:
        The scheduled job's id.
    """
    from flask import current_app

    from liveapp.extensions import queue

    now = time.time() if now is None else now
    slot = int(now // every) + 1
    prefix = re.sub(r"[^A-Za-z0-9_-]", "-", current_app.config["REDIS_PREFIX"])
    job_id = f"{name}-{prefix}{slot}"
    queue(queue_name).enqueue_in(timedelta(seconds=slot * every - now), func, job_id=job_id)
    return job_id
