"""RQ jobs. Each takes ids and JSON-safe values, re-loads what it needs, and is idempotent."""

from __future__ import annotations

import contextlib
import os

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

