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
