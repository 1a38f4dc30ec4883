"""`flask db upgrade` on an empty database gives exactly the models' schema."""

import os
import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from liveapp.extensions import db

ROOT = Path(__file__).resolve().parent.parent


def test_no_drift_between_migrations_and_models(app_ctx):
    """The test database was built by the migrations; compare it with the models."""
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_flask_db_upgrade_on_an_empty_database(app, tmp_path):
    url = f"sqlite:///{tmp_path}/fresh.sqlite3"
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": app.config["REDIS_URL"],
           "LIVEAPP_INSTANCE": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 0, out.stderr
    tables = set(inspect(create_engine(url)).get_table_names())
    assert {"users", "groups", "group_members", "alembic_version"} <= tables
