"""Fixtures: a real database (SQLite, or a fresh PostgreSQL database when DATABASE_URL is
set), real Redis (embedded, or REDIS_URL with a per-run key prefix), the app built once
per run with migrations applied, and clients that sign in through the real login form."""

from __future__ import annotations

import contextlib
import contextvars
import os
import re
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from liveapp import embedded_redis
from liveapp.config import normalise_database_url
from liveapp.extensions import SQLITE_BUSY_TIMEOUT_MS
from liveapp.infra import fanout
from tests import clock
from tests.ops.failed_jobs import failed_job  # noqa: F401 (a fixture)
from tests.ops.scrape import metrics_token, scrape  # noqa: F401 (fixtures: GET /metrics)
from tests.scratch_db import created_database, scratch_url  # noqa: F401 (a fixture)

RUN_ID = uuid.uuid4().hex[:8]
ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct-horse-battery"


def pytest_generate_tests(metafunc):
    """Tests marked `clock.at_each_instant` run at the real time and at each instant."""
    if "clock_instant" in metafunc.fixturenames:
        metafunc.parametrize("clock_instant", ["now", *clock.INSTANTS], indirect=True)


@pytest.fixture
def clock_instant(request):
    """Moves this process's clock to the instant the test is parametrized with (ticking)."""
    name = getattr(request, "param", "now")
    if name == "now":
        yield None
        return
    with time_machine.travel(clock.parse(name), tick=True):
        yield clock.parse(name)


@pytest.fixture(autouse=True)
def _everything_at(request):
    """LIVEAPP_TEST_NOW=<ISO instant or a name from tests/clock.py> runs every test at that
    instant: a way to look for tests that depend on the hour (see tests/clock.py)."""
    value = os.environ.get("LIVEAPP_TEST_NOW")
    if not value or "clock_instant" in request.fixturenames:
        yield
        return
    with time_machine.travel(clock.parse(value), tick=True):
        yield


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    folder = tmp_path_factory.mktemp("redis")
    server = embedded_redis.start(folder)
    yield server.url
    embedded_redis.stop(folder, server)


@contextlib.contextmanager
def fresh_database(sqlite_folder: Path, suffix: str = RUN_ID) -> Iterator[str]:
    """A database of its own (an SQLite file in `sqlite_folder`, or a new PostgreSQL
    database named after DATABASE_URL's plus `suffix`, dropped afterwards), so several
    runs, and several started stacks, may share one PostgreSQL server."""
    configured = os.environ.get("DATABASE_URL")
    if not configured:
        yield f"sqlite:///{sqlite_folder / 'test.sqlite3'}"
        return
    url = make_url(normalise_database_url(configured))
    if not url.drivername.startswith("postgresql"):
        yield str(url)
        return
    with created_database(url, f"{url.database}_{suffix}") as own:
        yield own


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """A database of this run's own: several runs may share one PostgreSQL server."""
    with fresh_database(tmp_path_factory.mktemp("db")) as url:
        yield url


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context, as on a real server, even while a test
    holds one open for database assertions (Flask would otherwise share `g` and the
    SQLAlchemy session between the test and the request)."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


class DrainAfterPosts:
    """WSGI middleware for the in-process app: after each POST under /t/v1/ (the events
    API, and the widget's writes, which may append an identify), the real processor code
    (`pipeline.drain()`) records what was appended before the answer reaches the test, as
    `liveapp pipeline` would a moment later. Tests of the pipeline itself turn it off
    (the `stream_mode` fixture in tests/pipeline) to see the stream before processing."""

    def __init__(self, app, wsgi_app):
        self.app, self.wsgi_app = app, wsgi_app
        self.enabled = True
        # The live server answers in threads: one drain at a time keeps stream order.
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        response = self.wsgi_app(environ, start_response)
        if (self.enabled and environ.get("REQUEST_METHOD") == "POST"
                and environ.get("PATH_INFO", "").startswith("/t/v1/")):
            self.drain()
        return response

    def drain(self) -> int:
        from liveapp.services.tracking import pipeline

        with self.lock, self.app.app_context():
            return pipeline.drain()


@pytest.fixture(scope="session")
def app(database_url, redis_url, tmp_path_factory):
    os.environ["LIVEAPP_INSTANCE"] = str(tmp_path_factory.mktemp("instance"))
    from liveapp import create_app
    from liveapp.services.ops.schema import migrate_to_head

    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": redis_url,
        "REDIS_PREFIX": f"lvt{RUN_ID}:",
        "SECRET_KEY": "test-secret",
    })
    app.test_client_class = IsolatedClient
    app.wsgi_app = app.extensions["test_drain"] = DrainAfterPosts(app, app.wsgi_app)
    migrate_to_head(app)
    with app.app_context():
        from liveapp.extensions import db

        event.listen(db.engine, "checkin", _busy_timeout_kept)
    yield app
    # Its live-events subscriber would otherwise outlive the session's Redis (stopped
    # next) and log reconnecting to a closed output.
    fanout.stop_hub(app)
    with app.app_context():
        from liveapp.extensions import db

        db.engine.dispose()


POISONED: list[str] = []  # SQLite connections given back to the pool without their wait


def _busy_timeout_kept(dbapi_connection, connection_record) -> None:
    """The app's engine is the whole session's: a test that lowers a pooled SQLite
    connection's busy timeout (to see a lock at once) and hands it back would make some
    later request, in any test, answer 503 at its first contention. `clean_state` fails
    the test that did it."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        [(timeout,)] = dbapi_connection.execute("PRAGMA busy_timeout").fetchall()
        if timeout != SQLITE_BUSY_TIMEOUT_MS:
            POISONED.append(f"busy_timeout={timeout}")
            connection_record.invalidate()


def clear_redis(app) -> None:
    from liveapp.extensions import redis

    with app.app_context():
        keys = list(redis.client.scan_iter(match=app.config["REDIS_PREFIX"] + "*", count=1000))
        keys += list(redis.client.scan_iter(match="rq:*" + app.config["REDIS_PREFIX"] + "*"))
        if keys:
            redis.client.delete(*keys)


@pytest.fixture(autouse=True)
def clean_state(request, app):
    """Every test starts with empty tables and no Redis keys of ours."""
    yield
    from sqlalchemy.exc import OperationalError

    from liveapp.extensions import db

    with app.app_context():
        db.session.remove()
        # A browser test's last requests (a leave beacon) may still be writing in the live
        # server's thread: PostgreSQL then aborts one side of the deadlock. Try again.
        for attempt in range(5):
            try:
                with db.engine.begin() as conn:
                    for table in reversed(db.metadata.sorted_tables):
                        conn.execute(table.delete())
                break
            except OperationalError:
                if attempt == 4:
                    raise
                time.sleep(0.2)
    clear_redis(app)
    if POISONED:
        found = POISONED[:]
        POISONED.clear()
        pytest.fail(f"a SQLite connection went back to the pool with {found[0]}: "
                    "invalidate it instead")


@pytest.fixture
def drain(app):
    """drain() -> entries processed: what `liveapp pipeline` would record now (for events
    appended by a service called directly, not through a request)."""
    return app.extensions["test_drain"].drain


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield app


CSRF_META = re.compile(r'name="csrf-token" content="([^"]+)"')


class Browser:
    """A test client that signs in through the real form and sends CSRF tokens."""

    def __init__(self, client):
        self.client = client

    def csrf(self, path: str = "/auth/login") -> str:
        page = self.client.get(path, follow_redirects=True).get_data(as_text=True)
        match = CSRF_META.search(page)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def login(self, email: str, password: str = PASSWORD):
        token = self.csrf()
        return self.client.post(
            "/auth/login", data={"email": email, "password": password, "csrf_token": token}
        )

    def post(self, path: str, data: dict | None = None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf())
        return self.client.post(path, data=data, **kwargs)

    def get(self, path: str, **kwargs):
        return self.client.get(path, **kwargs)


@pytest.fixture
def browser(app):
    return Browser(app.test_client())


@pytest.fixture
def make_user(app_ctx):
    from tests.factories import UserFactory

    def make(**kwargs):
        return UserFactory(**kwargs)

    return make


@pytest.fixture
def admin(make_user):
    return make_user(role="admin", email="admin@example.com", name="Ada Admin")


@pytest.fixture
def rep(make_user):
    return make_user(role="rep", email="rep@example.com", name="Rita Rep")


@pytest.fixture
def as_admin(browser, admin):
    assert browser.login(admin.email).status_code == 303
    return browser


@pytest.fixture
def as_rep(browser, rep):
    assert browser.login(rep.email).status_code == 303
    return browser


@pytest.fixture
def inbound_flow(app_ctx):
    """An experience on every page whose flow starts with Route for Inbound Chat: its
    visitors may ask for a rep (`POST /t/v1/chat/request`) as soon as they land."""
    from liveapp.services.membership import experiences

    return experiences.save_experience(
        None, name="Talk now", active=True, targeting=[], audience=[],
        flow=[{"type": "route_inbound", "text": "Connecting you with our team."}])


@pytest.fixture
def changes():
    """The kinds of settings changes published on the change bus during the test, in order."""
    from liveapp.services.bus import changes as bus

    seen = []

    def record(change):
        if change.kind == "settings":
            seen.append(change.data["what"])

    bus.subscribe(record)
    yield seen
    bus.unsubscribe(record)


@pytest.fixture(scope="session")
def live_server(app):
    """The test app served over real HTTP on a free port, in threads (one per
    request), for browsers and for concurrent clients."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
