"""`flask db upgrade` on an empty database gives exactly the models' schema; data
migrations keep what is saved working."""

from datetime import datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import JSON, column, create_engine, inspect, select, table

from liveapp.extensions import db
from liveapp.services.ops import schema
from tests.scratch_db import flask_db


def test_no_drift_between_migrations_and_models(app_ctx):
    """The test database was built by the migrations; compare it with the models."""
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "compare_type": True, "include_name": schema.include_name})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_flask_db_upgrade_on_an_empty_database(app, tmp_path):
    url = f"sqlite:///{tmp_path}/fresh.sqlite3"
    flask_db(app, url, tmp_path, "upgrade")
    tables = set(inspect(create_engine(url)).get_table_names())
    assert {"users", "groups", "group_members", "alembic_version"} <= tables


OLD_FLOW = [
    {"type": "bot_message", "text": "Comparing plans?"},
    {"type": "buttons", "text": "What would help most?",
     "buttons": ["Talk to sales", "Just browsing"]},
    {"type": "route_inbound", "text": ""},
]


def test_existing_buttons_go_on_to_the_next_step_after_the_flow_branches_migration(
        app, tmp_path, scratch_url):
    """Buttons saved as labels become {"label", "target": "next"} (today's behaviour),
    and back on downgrade; other steps are left alone."""
    flask_db(app, scratch_url, tmp_path, "upgrade", "0010_chat_answers")
    engine = create_engine(scratch_url)
    experiences = table("experiences", column("id"), column("name"), column("active"),
                        column("priority"), column("targeting", JSON), column("flow", JSON),
                        column("created_at"), column("updated_at"))
    now = datetime(2026, 11, 30)
    with engine.begin() as conn:
        conn.execute(experiences.insert().values(
            id=1, name="Pricing Page", active=True, priority=0, targeting=[], flow=OLD_FLOW,
            created_at=now, updated_at=now))

    def flow():
        with engine.connect() as conn:
            return conn.execute(select(experiences.c.flow)).scalar_one()

    flask_db(app, scratch_url, tmp_path, "upgrade")
    migrated = flow()
    assert migrated[1]["buttons"] == [{"label": "Talk to sales", "target": "next"},
                                      {"label": "Just browsing", "target": "next"}]
    assert [migrated[0], migrated[2]] == [OLD_FLOW[0], OLD_FLOW[2]]
    flask_db(app, scratch_url, tmp_path, "downgrade", "0010_chat_answers")
    assert flow() == OLD_FLOW
    engine.dispose()
