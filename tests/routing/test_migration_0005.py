"""Migration 0005 on a database that already has users: they get UTC and no hours."""

from sqlalchemy import create_engine, text


def test_existing_users_migrate(scratch_url, flask_db):
    flask_db(scratch_url, "upgrade", "0004")
    engine = create_engine(scratch_url)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO users (email, name, password_hash, role, is_chat_user, availability,"
            " max_concurrent_chats, active, created_at) VALUES ('old@example.com', 'Old',"
            " 'x', 'rep', true, 'available', 3, true, CURRENT_TIMESTAMP)"
        ))
    flask_db(scratch_url, "upgrade")
    with engine.connect() as conn:
        row = conn.execute(text("SELECT time_zone, working_hours FROM users")).one()
        assert tuple(row) == ("UTC", None)
        assert conn.execute(text("SELECT count(*) FROM routing_rules")).scalar() == 0
    flask_db(scratch_url, "downgrade", "0004")
    engine.dispose()
