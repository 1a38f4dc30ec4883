"""Migration 0014 on a database keyed by cookie ids: every visitor id (the visitor and
every row that points at it) becomes the internal id the events API now derives under the
app's SECRET_KEY; nothing keeps a cookie id; running it again changes nothing."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import create_engine, select, text

from liveapp.extensions import db
from liveapp.services.tracking.visitor_ids import derive
from tests.scratch_db import flask_db

SECRET = "the-deployments-secret"
TABLES = ("visit_sessions", "page_views", "conversations", "meetings")


def _insert(engine, ann: str, bob: str, already: str) -> None:
    tables = db.metadata.tables
    at = datetime(2026, 12, 1, 9)
    with engine.begin() as conn:
        site = conn.execute(tables["sites"].insert().values(
            name="Example", site_key="k" * 20)).inserted_primary_key[0]
        conn.execute(text(
            "INSERT INTO users (email, name, password_hash, role, is_chat_user, availability,"
            " max_concurrent_chats, active, created_at, time_zone) VALUES ('rita@example.com',"
            " 'Rita', 'x', 'rep', true, 'available', 3, true, CURRENT_TIMESTAMP, 'UTC')"))
        rep = conn.scalar(text("SELECT id FROM users"))
        for vid, email in ((ann, "ann@acme.example"), (bob, None), (already, None)):
            conn.execute(tables["visitors"].insert().values(
                id=vid, site_id=site, email=email, first_seen=at, last_seen=at))
        visit = conn.execute(tables["visit_sessions"].insert().values(
            visitor_id=ann, started_at=at)).inserted_primary_key[0]
        conn.execute(tables["page_views"].insert().values(
            visitor_id=ann, session_id=visit, url="https://www.example.com/", at=at))
        chat = conn.execute(tables["conversations"].insert().values(
            visitor_id=ann, rep_id=rep, origin="pounce", started_at=at)).inserted_primary_key[0]
        conn.execute(tables["messages"].insert().values(
            conversation_id=chat, sender="visitor", body="Hi", sent_at=at))
        conn.execute(tables["meetings"].insert().values(
            visitor_id=bob, rep_id=rep, starts_at=at, ends_at=at + timedelta(minutes=30)))


def _ids(engine) -> dict:
    with engine.connect() as conn:
        ids = {"visitors": sorted(conn.scalars(text("SELECT id FROM visitors")))}
        for name in TABLES:
            ids[name] = sorted(conn.scalars(text(f"SELECT visitor_id FROM {name}")))
        ids["ann's email"] = conn.scalar(select(db.metadata.tables["visitors"].c.email).where(
            db.metadata.tables["visitors"].c.email.is_not(None)))
        ids["messages"] = conn.scalar(text("SELECT count(*) FROM messages"))
    return ids


def test_cookie_ids_become_internal_ids_everywhere(app, tmp_path, scratch_url, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", SECRET)  # the deployment's, as the app reads it
    ann, bob = str(uuid.uuid4()), str(uuid.uuid4())
    already = derive(SECRET, str(uuid.uuid4()))  # recorded under its internal id already
    flask_db(app, scratch_url, tmp_path, "upgrade", "0012_page_view_event_ids")
    engine = create_engine(scratch_url)
    _insert(engine, ann, bob, already)
    flask_db(app, scratch_url, tmp_path, "upgrade", "0014_visitor_internal_ids")
    new_ann, new_bob = derive(SECRET, ann), derive(SECRET, bob)
    after = _ids(engine)
    assert after == {
        "visitors": sorted([new_ann, new_bob, already]),
        "visit_sessions": [new_ann], "page_views": [new_ann], "conversations": [new_ann],
        "meetings": [new_bob], "ann's email": "ann@acme.example", "messages": 1}
    assert derive(app.config["SECRET_KEY"], ann) != new_ann  # the key is the deployment's
    flask_db(app, scratch_url, tmp_path, "downgrade", "0012_page_view_event_ids")
    assert _ids(engine) == after  # the cookie ids are gone for good
    flask_db(app, scratch_url, tmp_path, "upgrade", "0014_visitor_internal_ids")
    assert _ids(engine) == after  # internal ids are not rewritten twice
    engine.dispose()
