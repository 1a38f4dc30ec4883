"""Bringing the database schema up to date (Alembic via Flask-Migrate)."""

from __future__ import annotations

from flask import Flask
from flask_migrate import upgrade

from liveapp.models.conversation import FTS_TABLE, SEARCH_INDEX


def migrate_to_head(app: Flask) -> None:
    """Apply every pending migration; safe to run on every start."""
    with app.app_context():
        upgrade()


def include_name(name: str | None, type_: str, parent_names: dict) -> bool:
    """What autogenerate and the drift test compare: not transcript search's PostgreSQL
    index nor SQLite's FTS5 table and its shadow tables (migration 0020 builds them, one
    per backend; the models do not declare them)."""
    if type_ == "index":
        return name != SEARCH_INDEX
    return not (type_ == "table" and name is not None and name.startswith(FTS_TABLE))
