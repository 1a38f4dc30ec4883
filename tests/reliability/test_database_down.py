"""The database unavailable for 10 s under load (PostgreSQL: the stack's own database
refuses connections and its sessions are ended; SQLite: another connection holds an
exclusive lock): requests that need it answer 503 with a clear body, nothing is half
written, and everything recovers; the page views accepted meanwhile (the events API needs
no database) are recorded once it is back."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from liveapp.config import normalise_database_url
from tests.reliability.checks import (
    chatting_visitor,
    every_page_view_recorded,
    only_clear_refusals,
    still_routes,
    visitor_messages,
)
from tests.reliability.conftest import rows
from tests.reliability.load import Load
from tests.scenarios.people import eventually

DOWN = 10.0


@contextlib.contextmanager
def database_unavailable(stack):
    url = make_url(normalise_database_url(stack.env["DATABASE_URL"]))
    if url.drivername.startswith("sqlite"):
        holder = sqlite3.connect(url.database, timeout=30, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    # The server's other databases (other sessions' tests) are left alone.
    server = sa.create_engine(normalise_database_url(os.environ["DATABASE_URL"]),
                              isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    name = url.database
    with server.connect() as admin:
        admin.execute(sa.text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
        admin.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = :name AND pid <> pg_backend_pid()"),
                      {"name": name})
        try:
            yield
        finally:
            admin.execute(sa.text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
    server.dispose()


def test_database_away_for_10_s(stack, team, visitor, site_key, database):
    admin = team["admin"]
    person = chatting_visitor(admin, visitor)
    bystander = visitor()  # on the board, nobody chats with them yet
    bystander.page_view("pricing", "Pricing")
    eventually(lambda: admin.card(bystander) is not None, 15, "the bystander's card")
    with Load(stack.url, site_key, stack.env["SECRET_KEY"], chat_token=person.token,
              every=0.2) as load:
        eventually(lambda: load.pages.count() > 10 and load.messages.count() > 3, 15,
                   "load under way")
        with database_unavailable(stack):
            started = time.monotonic()
            refused = load.messages.statuses[503]
            eventually(lambda: load.messages.statuses[503] > refused, DOWN,
                       "a chat message refused")
            health = httpx.get(f"{stack.url}/healthz", timeout=10)
            claim = admin.post(f"/conversations/claim/{bystander.id}", {"origin": "pounce"})
            time.sleep(max(0.0, DOWN - (time.monotonic() - started)))
        assert claim.status_code == 503, (claim.status_code, claim.text[:300])
        assert "navailable" in claim.text
        accepted_then = load.pages.count() + load.messages.count()
        eventually(lambda: load.pages.count() + load.messages.count() > accepted_then + 20,
                   30, "accepting again")
        recovered = load.messages.count()
        eventually(lambda: load.messages.count() > recovered + 3, 15, "messages again")
    if not stack.env["DATABASE_URL"].startswith("sqlite"):  # a locked SQLite still reads
        assert health.status_code == 503 and "database" in health.text, health.text
    only_clear_refusals(load)

    # Nothing half written: exactly the accepted messages are stored, once each; the
    # refused claim left no conversation.
    assert sorted(visitor_messages(database, person.id)) == sorted(
        load.messages.accepted["chat"])
    assert not rows(database, "SELECT id FROM conversations WHERE visitor_id = :v",
                    v=bystander.id)
    # Every accepted page view recorded (the pipeline waited for the database).
    every_page_view_recorded(database, load)
    # Full recovery: the claim goes through now, and routing works as before.
    assert admin.post(f"/conversations/claim/{bystander.id}",
                      {"origin": "pounce"}).status_code == 201
    still_routes(team, visitor)
    assert httpx.get(f"{stack.url}/healthz", timeout=5).status_code == 200
