"""`flask db upgrade` on an empty database gives exactly the models' schema; data
migrations keep what is saved working."""

from datetime import date, datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import JSON, column, create_engine, func, inspect, select, table

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


def test_canned_replies_come_and_go_with_their_migration(app, tmp_path, scratch_url):
    """0016 adds the table with its one-shortcut-per-scope indexes; its downgrade drops them."""
    flask_db(app, scratch_url, tmp_path, "upgrade")
    engine = create_engine(scratch_url)
    indexes = {i["name"] for i in inspect(engine).get_indexes("canned_replies")}
    assert "uq_canned_replies_team_shortcut" in indexes
    flask_db(app, scratch_url, tmp_path, "downgrade", "0015_retention_indexes")
    assert "canned_replies" not in inspect(engine).get_table_names()


def test_business_hours_migration_keeps_groups_always_open_and_goes_back(
        app, tmp_path, scratch_url):
    """0018: an existing group gets UTC and no business hours (always open, as before);
    offline messages get their tables; downgrading removes both."""
    flask_db(app, scratch_url, tmp_path, "upgrade", "0015_retention_indexes")
    engine = create_engine(scratch_url)
    groups = table("groups", column("id"), column("name"), column("created_at"))
    with engine.begin() as conn:
        conn.execute(groups.insert().values(id=1, name="Sales EMEA",
                                            created_at=datetime(2026, 12, 1)))
    flask_db(app, scratch_url, tmp_path, "upgrade", "0018_business_hours")
    with engine.connect() as conn:
        row = conn.exec_driver_sql(
            "SELECT time_zone, business_hours, holidays FROM groups").one()
    assert tuple(row) == ("UTC", None, None)
    assert {"offline_messages", "offline_message_reps"} <= set(
        inspect(engine).get_table_names())
    flask_db(app, scratch_url, tmp_path, "downgrade", "0015_retention_indexes")
    inspector = inspect(engine)
    assert "offline_messages" not in inspector.get_table_names()
    assert "time_zone" not in {c["name"] for c in inspector.get_columns("groups")}
    engine.dispose()


def test_existing_groups_offer_transfers_first_available_after_the_transfers_migration(
        app, tmp_path, scratch_url):
    """Groups saved before 0019 get "first_available" (every member at once, as before);
    the column goes again on downgrade, the group stays."""
    flask_db(app, scratch_url, tmp_path, "upgrade", "0015_retention_indexes")
    engine = create_engine(scratch_url)
    groups = table("groups", column("id"), column("name"), column("created_at"))
    with engine.begin() as conn:
        conn.execute(groups.insert().values(id=1, name="Enterprise",
                                            created_at=datetime(2026, 12, 1)))
    flask_db(app, scratch_url, tmp_path, "upgrade", "0019_transfers")
    with engine.connect() as conn:
        assert conn.execute(select(column("distribution")).select_from(table("groups"))
                            ).scalar_one() == "first_available"
    flask_db(app, scratch_url, tmp_path, "downgrade", "0015_retention_indexes")
    assert "distribution" not in {c["name"] for c in inspect(engine).get_columns("groups")}
    with engine.connect() as conn:
        assert conn.execute(select(groups.c.name)).scalar_one() == "Enterprise"
    engine.dispose()


def test_the_rep_visitor_days_migration_has_every_built_day_rebuilt(app, tmp_path, scratch_url):
    """0027: days built before it have no rep visitor rows, so none counts as built (the
    page reads the history until the job rebuilds them); its downgrade drops the tables."""
    flask_db(app, scratch_url, tmp_path, "upgrade", "0026_report_visitor_index")
    engine = create_engine(scratch_url)
    built = table("report_days_built", column("zone"), column("day"), column("built_at"))
    with engine.begin() as conn:
        conn.execute(built.insert().values(zone="UTC", day=date(2026, 12, 1),
                                           built_at=datetime(2026, 12, 2)))
    flask_db(app, scratch_url, tmp_path, "upgrade", "0027_rep_visitor_days")
    with engine.connect() as conn:
        assert conn.execute(select(built.c.day)).all() == []
    assert {"report_rep_visitor_days", "report_rep_company_days"} <= set(
        inspect(engine).get_table_names())
    flask_db(app, scratch_url, tmp_path, "downgrade", "0026_report_visitor_index")
    assert "report_rep_visitor_days" not in inspect(engine).get_table_names()
    engine.dispose()


def test_the_group_visitor_days_migration_keeps_the_built_days(app, tmp_path, scratch_url):
    """0028: days built before it stay built (a group's visitors read the history until
    the job marks the day's group rows; report_group_days_built has none yet); its
    downgrade drops the tables."""
    flask_db(app, scratch_url, tmp_path, "upgrade", "0027_rep_visitor_days")
    engine = create_engine(scratch_url)
    built = table("report_days_built", column("zone"), column("day"), column("built_at"))
    with engine.begin() as conn:
        conn.execute(built.insert().values(zone="UTC", day=date(2026, 12, 1),
                                           built_at=datetime(2026, 12, 2)))
    flask_db(app, scratch_url, tmp_path, "upgrade", "0028_group_visitor_days")
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(built)).scalar() == 1
    tables = {"report_group_visitor_days", "report_group_company_days",
              "report_group_days_built"}
    assert tables <= set(inspect(engine).get_table_names())
    flask_db(app, scratch_url, tmp_path, "downgrade", "0027_rep_visitor_days")
    assert not tables & set(inspect(engine).get_table_names())
    engine.dispose()
