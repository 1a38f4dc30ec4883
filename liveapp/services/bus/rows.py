"""Database rows shared by the stages of one unit of work (a pipeline batch): what one
stage loaded in bulk, the next finds in the session instead of selecting it again."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator

from sqlalchemy import inspect, select
from sqlalchemy.orm.util import identity_key

from liveapp.extensions import db

CHUNK = 500  # ids per IN (...) query


def chunks(ids: list) -> Iterator[list]:
    """These ids CHUNK at a time, one IN (...) query's worth each."""
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def in_session(model, ids: Iterable) -> dict:
    """The rows of these ids the session holds loaded and unexpired: no query."""
    found = {}
    for row_id in ids:
        row = db.session.identity_map.get(identity_key(model, row_id))
        if row is not None and not inspect(row).expired_attributes:
            found[row_id] = row
    return found


def load(model, ids: Iterable) -> dict:
    """Rows of these ids by primary key: those the session holds (see `in_session`), the
    others in one query per CHUNK ids."""
    ids = list(dict.fromkeys(ids))
    found = in_session(model, ids)
    missing = [row_id for row_id in ids if row_id not in found]
    key = inspect(model).primary_key[0]
    for chunk in chunks(missing):
        found.update((getattr(row, key.key), row) for row in db.session.scalars(
            select(model).where(key.in_(chunk))))
    return found


@contextlib.contextmanager
def keeping_loaded() -> Iterator[None]:
    """Commits inside leave the session's rows loaded (SQLAlchemy expires them all by
    default, and the next stage would select each again): for a unit of work's own
    commits, whose rows it has just read or written itself."""
    session = db.session()
    before = session.expire_on_commit
    session.expire_on_commit = False
    try:
        yield
    finally:
        session.expire_on_commit = before
