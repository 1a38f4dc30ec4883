"""Migration 0005 on a database that already has users: they get UTC and no hours."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def scratch_url(app, tmp_path):
    """An empty database on the same kind of server the test run uses."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if not url.drivername.startswith("postgresql"):
        yield f"sqlite:///{tmp_path}/m4.sqlite3"
        return
    name = f"{url.database}_m4_{uuid.uuid4().hex[:6]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _flask_db(app, url, tmp_path, *args):
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": app.config["REDIS_URL"],
           "LIVEAPP_INSTANCE": str(tmp_path)}
    out = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "db", *args],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr


def test_existing_users_migrate(app, tmp_path, scratch_url):
    _flask_db(app, scratch_url, tmp_path, "upgrade", "0004")
    engine = create_engine(scratch_url)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO users (email, name, password_hash, role, is_chat_user, availability,"
            " max_concurrent_chats, active, created_at) VALUES ('old@example.com', 'Old',"
            " 'x', 'rep', true, 'available', 3, true, CURRENT_TIMESTAMP)"
        ))
    _flask_db(app, scratch_url, tmp_path, "upgrade")
    with engine.connect() as conn:
        row = conn.execute(text("SELECT time_zone, working_hours FROM users")).one()
        assert tuple(row) == ("UTC", None)
        assert conn.execute(text("SELECT count(*) FROM routing_rules")).scalar() == 0
    _flask_db(app, scratch_url, tmp_path, "downgrade", "0004")
    engine.dispose()
