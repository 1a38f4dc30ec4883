"""Migration tests: an empty scratch database on the same kind of server the test run
uses, and `flask db ...` run against it in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def created_database(url: URL, name: str) -> Iterator[str]:
    """A new database ``name`` on the PostgreSQL server of ``url``; dropped afterwards."""
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def scratch_url(app, tmp_path):
    """An empty database on the same kind of server the test run uses."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if not url.drivername.startswith("postgresql"):
        yield f"sqlite:///{tmp_path}/scratch.sqlite3"
        return
    with created_database(url, f"{url.database}_m_{uuid.uuid4().hex[:6]}") as scratch:
        yield scratch


def flask_db(app, url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """Run `flask db <args>` against ``url``; it must succeed."""
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": app.config["REDIS_URL"],
           "LIVEAPP_INSTANCE": str(tmp_path)}
    out = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "db", *args],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out
