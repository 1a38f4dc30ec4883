"""Settings named by their admins (sites, groups, streams, segments, experiences, routing
rules): a name is unique among its kind, whatever its case."""

from __future__ import annotations

from sqlalchemy import func, select

from liveapp.extensions import db


def name_taken(model, name: str, row=None) -> bool:
    """Whether another row of `model` than `row` (None: a new one) has this name."""
    clash = db.session.scalar(select(model).where(func.lower(model.name) == name.lower()))
    return clash is not None and clash is not row
