"""Extensions, created unbound and bound to the app in create_app."""

from __future__ import annotations

import sqlite3

from flask import current_app
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from redis import Redis
from rq import Queue
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine

from liveapp import instance

# Stable constraint names, so Alembic migrations are the same on SQLite and PostgreSQL.
naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}



# How long a SQLite write waits for another's lock before "database is locked" (503).
SQLITE_BUSY_TIMEOUT_MS = 5000


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """SQLite: enforce foreign keys, let the web and worker processes write side by side,
    and keep the database file the owner's only."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        for _, name, path in cursor.execute("PRAGMA database_list").fetchall():
            if name == "main" and path:  # not an in-memory database
                instance.protect_sqlite(path)
        cursor.close()


db = SQLAlchemy(metadata=MetaData(naming_convention=naming_convention))
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()

QUEUE_NAMES = ("high", "default", "low")


class RedisBinding:
    """One Redis client per app, and the key prefix every key and channel carries."""

    def init_app(self, app) -> None:
        client = Redis.from_url(
            app.config["REDIS_URL"], health_check_interval=30, socket_connect_timeout=2
        )
        app.extensions["liveapp_redis"] = client

    @property
    def client(self) -> Redis:
        return current_app.extensions["liveapp_redis"]

    def key(self, *parts: object) -> str:
        """A namespaced Redis key: prefix + parts joined by ':'."""
        return current_app.config["REDIS_PREFIX"] + ":".join(str(p) for p in parts)


redis = RedisBinding()


def queue(name: str = "default") -> Queue:
    """The RQ queue of that name, namespaced and using the JSON serializer."""
    return Queue(
        current_app.config["REDIS_PREFIX"] + name,
        connection=redis.client,
        serializer="json",
    )
