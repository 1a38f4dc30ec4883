"""Bringing the database schema up to date (Alembic via Flask-Migrate)."""

from __future__ import annotations

from flask import Flask
from flask_migrate import upgrade


def migrate_to_head(app: Flask) -> None:
    """Apply every pending migration; safe to run on every start."""
    with app.app_context():
        upgrade()
