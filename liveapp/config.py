"""Settings from the environment, with embedded defaults for a fresh machine."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from liveapp import instance


def normalise_database_url(url: str) -> str:
    """Point plain postgres URLs at psycopg 3, the driver we install."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def secret_key(instance_path: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in instance/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    return instance.secret(instance_path / "secret_key")


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _seconds(name: str, default: float) -> float:
    """A duration in seconds from the environment: a number, zero or more."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0:  # also refuses nan
        raise ValueError(f"{name} must be a number of seconds, 0 or more (got {value!r})")
    return seconds


def _count(name: str, default: int) -> int:
    """A whole number, 1 or more, from the environment."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise ValueError(f"{name} must be a whole number, 1 or more (got {value!r})")
    return number


CRMS = ("salesforce", "outreach", "salesloft")


def crm_settings() -> dict[str, dict[str, str]]:
    """CRM credentials from the environment: LIVEAPP_<CRM>_<SETTING>, e.g.
    LIVEAPP_OUTREACH_ACCESS_TOKEN or LIVEAPP_SALESFORCE_INSTANCE_URL. They win over what
    Settings → Integrations saved (which still enables or disables the CRM)."""
    out: dict[str, dict[str, str]] = {name: {} for name in CRMS}
    for key, value in os.environ.items():
        for name in CRMS:
            prefix = f"LIVEAPP_{name.upper()}_"
            if key.startswith(prefix) and value:
                out[name][key[len(prefix):].lower()] = value
    return out


def smtp_settings() -> dict:
    """Where transcripts are emailed from (LIVEAPP_SMTP_*); no host: nothing is sent."""
    return {
        "host": os.environ.get("LIVEAPP_SMTP_HOST", "").strip(),
        "port": _count("LIVEAPP_SMTP_PORT", 587),
        "user": os.environ.get("LIVEAPP_SMTP_USER", ""),
        "password": os.environ.get("LIVEAPP_SMTP_PASSWORD", ""),
        "from": os.environ.get("LIVEAPP_SMTP_FROM", "").strip() or "liveapp@localhost",
        "starttls": _flag("LIVEAPP_SMTP_STARTTLS", default=True),
    }


def from_environment(instance_path: Path) -> dict:
    """The app's configuration: environment first, embedded defaults after."""
    database_url = os.environ.get("DATABASE_URL") or (
        f"sqlite:///{instance_path / 'liveapp.sqlite3'}"
    )
    https = _flag("LIVEAPP_HTTPS")
    return {
        "SECRET_KEY": secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Empty means "start the embedded server" (see liveapp.embedded_redis).
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        # Every Redis key, pub/sub channel and queue name starts with this, so
        # several installations (or test runs) can share one Redis server.
        "REDIS_PREFIX": os.environ.get("LIVEAPP_REDIS_PREFIX", "liveapp:"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": timedelta(days=30),
        "PREFERRED_URL_SCHEME": "https" if https else "http",
        "WTF_CSRF_TIME_LIMIT": None,  # tied to the session, which expires on its own
        "LOGIN_RATE_LIMIT": int(os.environ.get("LIVEAPP_LOGIN_RATE_LIMIT", "10")),
        "LOGIN_RATE_WINDOW": int(os.environ.get("LIVEAPP_LOGIN_RATE_WINDOW", "300")),
        # Sign-in attempts per account (known or not) per window, from any address.
        "LOGIN_ACCOUNT_RATE_LIMIT": _count("LIVEAPP_LOGIN_ACCOUNT_RATE_LIMIT", 10),
        # The address the site snippet points at (https://liveapp.example.com); unset, it
        # is taken from the request, whose Host header a client chooses: set it in production.
        "PUBLIC_URL": os.environ.get("LIVEAPP_PUBLIC_URL", "").strip().rstrip("/"),
        "TRUSTED_PROXY_COUNT": int(os.environ.get("LIVEAPP_TRUSTED_PROXIES", "0")),
        # GET /metrics answers only a scraper sending this bearer token; unset: 404.
        "METRICS_TOKEN": os.environ.get("LIVEAPP_METRICS_TOKEN", "").strip(),
        # The demo's: its simulator's visitors' addresses, signed (liveapp.simulated_clients).
        "SIMULATOR_KEY": os.environ.get("LIVEAPP_SIMULATOR_KEY", ""),
        # Events API limits per window (seconds): one IP may front a whole office.
        "TRACKING_RATE_WINDOW": int(os.environ.get("LIVEAPP_TRACKING_RATE_WINDOW", "60")),
        "TRACKING_IP_LIMIT": int(os.environ.get("LIVEAPP_TRACKING_IP_LIMIT", "1200")),
        "TRACKING_VISITOR_LIMIT": int(os.environ.get("LIVEAPP_TRACKING_VISITOR_LIMIT", "120")),
        # Seconds an inbound visitor nobody could take waits before the meeting booker.
        "ROUTING_QUEUE_WAIT": int(os.environ.get("LIVEAPP_ROUTING_QUEUE_WAIT", "120")),
        # Seconds routing waits for a visitor's CRM look-up in flight before deciding.
        "ROUTING_CRM_WAIT": _seconds("LIVEAPP_ROUTING_CRM_WAIT", 3.0),
        # Seconds after the visitor left the site that their open conversation is closed.
        "CHAT_CLOSE_AFTER_LEFT": int(os.environ.get("LIVEAPP_CHAT_CLOSE_AFTER_LEFT", "300")),
        # Seconds a chat transfer waits for its receiver before it goes back to the sender.
        "TRANSFER_TIMEOUT": _seconds("LIVEAPP_TRANSFER_TIMEOUT", 60.0),
        # The worker's clock (jobs/clock.py): seconds between runs of each periodic task,
        # and how long a dead worker's lease on a task keeps the others from taking it.
        "PRESENCE_EXPIRY_EVERY": _seconds("LIVEAPP_PRESENCE_EXPIRY_EVERY", 5.0),
        "BOARD_SWEEP_EVERY": _seconds("LIVEAPP_BOARD_SWEEP_EVERY", 30.0),
        # Seconds a pipeline entry stays pending with a consumer before another takes it.
        "PIPELINE_CLAIM_IDLE": _seconds("LIVEAPP_PIPELINE_CLAIM_IDLE", 30.0),
        # The stream is split in this many shards by visitor (the API and every processor
        # must agree); a processor owns shards through leases that a dead one's lose after
        # PIPELINE_LEASE seconds; an entry failing PIPELINE_MAX_DELIVERIES times goes to
        # the dead-letter stream `events:dead`.
        "PIPELINE_SHARDS": _count("LIVEAPP_PIPELINE_SHARDS", 8),
        "PIPELINE_LEASE": _seconds("LIVEAPP_PIPELINE_LEASE", 10.0),
        "PIPELINE_MAX_DELIVERIES": _count("LIVEAPP_PIPELINE_MAX_DELIVERIES", 5),
        "CHAT_CLOSING_EVERY": _seconds("LIVEAPP_CHAT_CLOSING_EVERY", 30.0),
        "CLOCK_LEASE": _seconds("LIVEAPP_CLOCK_LEASE", 15.0),
        "ABANDONED_JOBS_EVERY": _seconds("LIVEAPP_ABANDONED_JOBS_EVERY", 5.0),
        # Page views, visits and closed conversations older than this many days are
        # deleted by the worker's clock every RETENTION_EVERY seconds (jobs/retention.py).
        "RETENTION_DAYS": _count("LIVEAPP_RETENTION_DAYS", 180),
        "RETENTION_EVERY": _seconds("LIVEAPP_RETENTION_EVERY", 3600.0),
        # The reports' daily rollups are rebuilt (today, yesterday, a backfill) this often.
        "REPORTS_EVERY": _seconds("LIVEAPP_REPORTS_EVERY", 60.0),
        # The chat widget's writes (answers, messages, chat requests, bookings) per minute.
        "CHAT_VISITOR_LIMIT": int(os.environ.get("LIVEAPP_CHAT_VISITOR_LIMIT", "30")),
        "CHAT_IP_LIMIT": int(os.environ.get("LIVEAPP_CHAT_IP_LIMIT", "300")),
        # A trivial JSON endpoint for bench/ingest.py's framework ceiling; off by default.
        "BENCH_ENDPOINTS": _flag("LIVEAPP_BENCH_ENDPOINTS"),
        "ENTERPRISE_FEATURES": _flag("LIVEAPP_ENTERPRISE"),
        "CRM_SETTINGS": crm_settings(),
        # The transcript emailed to the visitor when a chat closes (jobs/transcript_email).
        "SMTP": smtp_settings(),
    }
