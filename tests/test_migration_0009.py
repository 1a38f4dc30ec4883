"""Migration 0009 on a database with Salesforce user ids stored before they were
validated: valid ones become their 18-character form, the others are cleared and named."""

from sqlalchemy import create_engine, text

from tests.scratch_db import flask_db

BEFORE = {  # email: Salesforce user id as stored before 0009
    "ann@example.com": "0055g00000DEMO02",  # the old demo's: 16 characters
    "bob@example.com": "0055g00000ABCDE",  # a valid 15
    "cy@example.com": "0055g00000abcdeAAA",  # a valid 18 (differs from Bob's only in case)
    "di@example.com": "0055g00000ABCDEAAA",  # 18 with a wrong checksum
    "ed@example.com": "0055g00000ABCDEAA5",  # Bob's id in its 18 form: a repeat
    "flo@example.com": None,
}
AFTER = {
    "ann@example.com": None,
    "bob@example.com": "0055g00000ABCDEAA5",
    "cy@example.com": "0055g00000abcdeAAA",
    "di@example.com": None,
    "ed@example.com": None,
    "flo@example.com": None,
}


def _insert_users(engine) -> None:
    with engine.begin() as conn:
        for email, sf_id in BEFORE.items():
            conn.execute(text(
                "INSERT INTO users (email, name, password_hash, role, is_chat_user,"
                " availability, max_concurrent_chats, active, created_at, time_zone,"
                " salesforce_user_id) VALUES (:email, :email, 'x', 'rep', true, 'available',"
                " 3, true, CURRENT_TIMESTAMP, 'UTC', :sf_id)"), {"email": email, "sf_id": sf_id})


def _ids(engine) -> dict:
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT email, salesforce_user_id FROM users")).all())


def test_salesforce_ids_are_canonicalised_or_cleared_and_named(app, tmp_path, scratch_url):
    flask_db(app, scratch_url, tmp_path, "upgrade", "0008")
    engine = create_engine(scratch_url)
    _insert_users(engine)
    out = flask_db(app, scratch_url, tmp_path, "upgrade", "0009_salesforce_ids")
    assert _ids(engine) == AFTER
    cleared = [line for line in out.stderr.splitlines() if "cleared" in line]
    assert len(cleared) == 3
    for email, why in (("ann@example.com", "is not a valid Salesforce id"),
                       ("di@example.com", "is not a valid Salesforce id"),
                       ("ed@example.com", "is bob@example.com's too")):
        assert any(f"{BEFORE[email]!r} of {email} {why}: cleared" in line
                   for line in cleared), email
    assert "enter the right one under Settings → Users" in cleared[0]
    flask_db(app, scratch_url, tmp_path, "downgrade", "0008")
    assert _ids(engine) == AFTER  # nothing to undo; the 18s still name the same users
    again = flask_db(app, scratch_url, tmp_path, "upgrade", "0009_salesforce_ids")
    assert _ids(engine) == AFTER and "cleared" not in again.stderr
    engine.dispose()
