"""Configuration defaults and the embedded Redis server's start, reuse and stop."""

import os
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
from redis import Redis

from liveapp import config, embedded_redis


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "LIVEAPP_HTTPS",
                 "LIVEAPP_ROUTING_CRM_WAIT"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_defaults(clean_env):
    settings = config.from_environment(clean_env)
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{clean_env / 'liveapp.sqlite3'}"
    assert settings["REDIS_URL"] == ""
    assert settings["SESSION_COOKIE_HTTPONLY"] and settings["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert settings["SESSION_COOKIE_SECURE"] is False
    assert settings["ROUTING_CRM_WAIT"] == 3.0


def test_secret_key_is_generated_once_and_kept(clean_env):
    first = config.from_environment(clean_env)["SECRET_KEY"]
    second = config.from_environment(clean_env)["SECRET_KEY"]
    assert first == second and len(first) == 64
    assert oct((clean_env / "secret_key").stat().st_mode)[-3:] == "600"


def test_environment_wins(clean_env, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db/liveapp")
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/2")
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("LIVEAPP_HTTPS", "1")
    settings = config.from_environment(clean_env)
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/liveapp"
    assert settings["REDIS_URL"] == "redis://cache:6379/2"
    assert settings["SECRET_KEY"] == "from-env"
    assert settings["SESSION_COOKIE_SECURE"] is True


def test_routing_crm_wait_from_the_environment(clean_env, monkeypatch):
    monkeypatch.setenv("LIVEAPP_ROUTING_CRM_WAIT", "1.5")
    assert config.from_environment(clean_env)["ROUTING_CRM_WAIT"] == 1.5


@pytest.mark.parametrize("bad", ["soon", "-1", "nan"])
def test_a_routing_crm_wait_that_is_not_seconds_is_refused_by_name(clean_env, monkeypatch, bad):
    monkeypatch.setenv("LIVEAPP_ROUTING_CRM_WAIT", bad)
    with pytest.raises(ValueError, match="LIVEAPP_ROUTING_CRM_WAIT must be a number of seconds"):
        config.from_environment(clean_env)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://a@b/c", "postgresql+psycopg://a@b/c"),
        ("postgresql://a@b/c", "postgresql+psycopg://a@b/c"),
        ("postgresql+psycopg://a@b/c", "postgresql+psycopg://a@b/c"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_url_normalised(given, expected):
    assert config.normalise_database_url(given) == expected


def test_embedded_redis_start_reuse_stop(tmp_path):
    server = embedded_redis.start(tmp_path)
    try:
        assert server.started_here
        client = Redis.from_url(server.url)
        assert client.ping()
        client.set("k", "v")
        again = embedded_redis.start(tmp_path)  # a second command reuses it
        assert not again.started_here and again.port == server.port
        embedded_redis.stop(tmp_path, again)  # not ours: left running
        assert client.get("k") == b"v"
    finally:
        embedded_redis.stop(tmp_path, server)
    assert not embedded_redis.ping(server.port)
    assert embedded_redis.running(tmp_path) is None
    assert not (tmp_path / embedded_redis.STATE_FILE).exists()


def test_stale_state_file_is_ignored(tmp_path):
    (tmp_path / embedded_redis.STATE_FILE).write_text('{"pid": 999999, "port": 1}')
    assert embedded_redis.running(tmp_path) is None
    server = embedded_redis.start(tmp_path)
    try:
        assert server.started_here
    finally:
        embedded_redis.stop(tmp_path, server)


def test_app_starts_embedded_redis_when_unset_and_stops_it_at_exit(tmp_path):
    code = (
        "from liveapp import create_app; from liveapp.extensions import redis\n"
        "app = create_app()\n"
        "with app.app_context(): print(app.config['REDIS_URL'], redis.client.ping())\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env["LIVEAPP_INSTANCE"] = str(tmp_path)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    url, pong = out.stdout.split()
    parts = urlsplit(url)
    assert (parts.hostname, pong) == ("127.0.0.1", "True")
    assert parts.password == (tmp_path / embedded_redis.PASSWORD_FILE).read_text().strip()
    port = parts.port
    assert not embedded_redis.ping(port)  # stopped when the process exited
