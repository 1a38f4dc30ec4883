"""Migration 0010 on a database with visitors: company size and industry they answered
in the chat before (stored as traits then) become their chat answers."""

import json

from sqlalchemy import create_engine, text

from tests.scratch_db import flask_db

VISITOR = (
    "INSERT INTO visitors (id, site_id, first_seen, last_seen, abm_target, traits, crm,"
    " experiences_received) VALUES (:id, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, false,"
    " :traits, '{}', '[]')"
)


def test_answers_kept_as_traits_become_chat_answers(app, tmp_path, scratch_url):
    flask_db(app, scratch_url, tmp_path, "upgrade", "0009_salesforce_ids")
    engine = create_engine(scratch_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO sites (id, name, site_key, allowed_origins, created_at)"
                          " VALUES (1, 'Old', 'k', '[]', CURRENT_TIMESTAMP)"))
        for vid, traits in (("a", {"company_size": "201-1000", "industry": "Software",
                                   "plan": "pro"}),
                            ("b", {"plan": "free"}), ("c", {})):
            conn.execute(text(VISITOR), {"id": vid, "traits": json.dumps(traits)})
    flask_db(app, scratch_url, tmp_path, "upgrade")
    with engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT id, chat_answers FROM visitors")).all())
    answers = {vid: value if isinstance(value, dict) else json.loads(value)
               for vid, value in rows.items()}
    assert answers == {"a": {"company_size": "201-1000", "industry": "Software"},
                       "b": {}, "c": {}}
    flask_db(app, scratch_url, tmp_path, "downgrade", "0009_salesforce_ids")
    engine.dispose()
