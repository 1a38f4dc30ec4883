"""Migration 0020 on a database with messages: they are searchable once it ran (SQLite's
FTS5 table is filled from them, PostgreSQL's index covers them), later messages join the
index, and it goes down and up again cleanly."""

from sqlalchemy import create_engine, text

from liveapp.models.conversation import FTS_TABLE
from tests.scratch_db import flask_db

ROWS = (
    "INSERT INTO sites (id, name, site_key, allowed_origins, created_at)"
    " VALUES (1, 'Example', 'key', '[]', CURRENT_TIMESTAMP)",
    "INSERT INTO users (id, email, name, password_hash, role, is_chat_user, availability,"
    " max_concurrent_chats, active, created_at, time_zone) VALUES (1, 'rep@example.com',"
    " 'Rita', 'x', 'rep', true, 'available', 3, true, CURRENT_TIMESTAMP, 'UTC')",
    "INSERT INTO visitors (id, site_id, first_seen, last_seen, abm_target, traits, crm,"
    " experiences_received, chat_answers) VALUES ('v1', 1, CURRENT_TIMESTAMP,"
    " CURRENT_TIMESTAMP, false, '{}', '{}', '[]', '{}')",
    "INSERT INTO conversations (id, visitor_id, rep_id, origin, status, started_at)"
    " VALUES (1, 'v1', 1, 'inbound', 'closed', CURRENT_TIMESTAMP)",
    "INSERT INTO messages (conversation_id, sender, body, sent_at)"
    " VALUES (1, 'visitor', 'Older words about invoices', CURRENT_TIMESTAMP)",
)
LATER = ("INSERT INTO messages (conversation_id, sender, body, sent_at)"
         " VALUES (1, 'rep', 'Newer words about invoicing', CURRENT_TIMESTAMP)")


def _found(engine, word: str) -> int:
    """Messages the full-text search of this backend finds."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            query = f"SELECT count(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :word"
        else:
            query = ("SELECT count(*) FROM messages WHERE to_tsvector('english', body)"
                     " @@ plainto_tsquery('english', :word)")
        return conn.execute(text(query), {"word": word}).scalar()


def _search_objects(engine) -> set[str]:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            query = "SELECT name FROM sqlite_master WHERE name LIKE 'messages_fts%'"
        else:
            query = "SELECT indexname FROM pg_indexes WHERE indexname = 'ix_messages_body_search'"
        return set(conn.execute(text(query)).scalars())


def test_messages_already_stored_are_searchable_and_it_goes_down_and_up(
        app, tmp_path, scratch_url):
    flask_db(app, scratch_url, tmp_path, "upgrade", "0015_retention_indexes")
    engine = create_engine(scratch_url)
    with engine.begin() as conn:
        for statement in ROWS:
            conn.execute(text(statement))
    flask_db(app, scratch_url, tmp_path, "upgrade", "0020_transcript_search")
    assert _found(engine, "invoice") == 1  # stemmed: "invoices"
    with engine.begin() as conn:
        conn.execute(text(LATER))
    assert _found(engine, "invoice") == 2
    flask_db(app, scratch_url, tmp_path, "downgrade", "0015_retention_indexes")
    assert _search_objects(engine) == set()
    with engine.connect() as conn:  # the messages themselves stay
        assert conn.execute(text("SELECT count(*) FROM messages")).scalar() == 2
    flask_db(app, scratch_url, tmp_path, "upgrade", "0020_transcript_search")
    assert _found(engine, "invoice") == 2 and _search_objects(engine)
    engine.dispose()
