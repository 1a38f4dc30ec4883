"""Job functions the worker tests enqueue (by dotted path, as the app enqueues its own)."""

from __future__ import annotations

import os
import time

from jobs import app_context


def pid() -> int:
    """The process the job runs in."""
    return os.getpid()


def sleep_for(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def _user(email: str):
    from liveapp.models import User

    return User(email=email, name=email.split("@")[0], password_hash="not-a-hash")


def add_user_then_fail(email: str) -> None:
    """Writes a user, then fails mid-transaction on a duplicate email (IntegrityError)."""
    with app_context():
        from liveapp.extensions import db

        db.session.add(_user(email))
        db.session.flush()
        db.session.add(_user("twice@example.com"))
        db.session.add(_user("twice@example.com"))
        db.session.flush()


def add_user_then_sleep(email: str, seconds: float) -> None:
    """Writes a user, then outruns its timeout inside the open transaction."""
    with app_context():
        from liveapp.extensions import db

        db.session.add(_user(email))
        db.session.flush()
        time.sleep(seconds)
        db.session.commit()


def add_user(email: str) -> list[str]:
    """Writes and commits a user; returns every user's email."""
    with app_context():
        from liveapp.extensions import db
        from liveapp.models import User

        db.session.add(_user(email))
        db.session.commit()
        return sorted(db.session.scalars(db.select(User.email)))
