"""A request whose database connection dies under it (PostgreSQL ending the session: a
restart, a failover, an operator) still ends cleanly: rolling back on a connection that
is gone must not raise out of the request's teardown (gunicorn would answer 500 after the
view answered)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from liveapp.extensions import db


def test_a_request_whose_connection_was_ended_tears_down_cleanly(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("only PostgreSQL ends a session under a request")
    with app.test_request_context("/"):
        pid = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        with db.engine.connect() as other:
            other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            other.commit()
    # Leaving the context ran the teardowns; the next request gets a working session.
    with app.test_request_context("/"):
        assert db.session.execute(sa.text("SELECT 1")).scalar_one() == 1


def test_sqlite_locked_is_unavailable_but_its_own_mistakes_are_bugs(tmp_path):
    from liveapp.web import is_unavailable

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}",
                              connect_args={"timeout": 0})
    with engine.connect() as first, engine.connect() as second:
        first.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        first.commit()
        first.exec_driver_sql("BEGIN EXCLUSIVE")
        with pytest.raises(sa.exc.OperationalError) as locked:
            second.exec_driver_sql("INSERT INTO t VALUES (1)")
        with pytest.raises(sa.exc.OperationalError) as mistake:
            first.exec_driver_sql("SELECT nope FROM t")
    engine.dispose()
    assert is_unavailable(locked.value)
    assert not is_unavailable(mistake.value)  # an ordinary 500, logged as a bug
