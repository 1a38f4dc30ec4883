"""liveapp: live visitor streams and conversation routing for B2B sales teams."""

from __future__ import annotations

import os
from pathlib import Path

import email_validator
from flask import Flask

from liveapp import config as config_module
from liveapp import (
    embedded_redis,
    instance,
    logs,
    models,  # noqa: F401  (register every model with the metadata)
)
from liveapp.blueprints import register_blueprints
from liveapp.extensions import csrf, db, login_manager, migrate, redis
from liveapp.services.ops import schema
from liveapp.web import init_app as init_web
from liveapp.web import install_converters

# Demo, simulator and CRM-sandbox addresses use the reserved .test TLD (RFC 2606), which
# email_validator refuses by default; staging CRMs often hold such addresses too.
if "test" in email_validator.SPECIAL_USE_DOMAIN_NAMES:
    email_validator.SPECIAL_USE_DOMAIN_NAMES.remove("test")

# Shipped in the package (pyproject's package-data): an installed liveapp migrates too.
MIGRATIONS_DIR = str(Path(__file__).resolve().parent / "migrations")


def create_app(config: dict | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints, error pages and CLI."""
    app = Flask(__name__, instance_path=os.environ.get("LIVEAPP_INSTANCE") or None)
    logs.configure()  # one place: LIVEAPP_LOG_FORMAT, LIVEAPP_LOG_LEVEL
    instance.private_folder(app.instance_path)
    app.config.from_mapping(config_module.from_environment(Path(app.instance_path)))
    if config:
        app.config.from_mapping(config)
    if not app.config["REDIS_URL"]:
        app.config["REDIS_URL"] = embedded_redis.ensure(app.instance_path)

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True,
                     include_name=schema.include_name)
    login_manager.init_app(app)
    csrf.init_app(app)
    redis.init_app(app)

    # Imported here, when an app is built, not with the package: the CLI imports liveapp
    # before a command sets PROMETHEUS_MULTIPROC_DIR, which prometheus-client (imported by
    # these modules) reads once, when imported (see liveapp.metrics_folder).
    from liveapp import observe
    from liveapp.blueprints import tracking
    from liveapp.services.bus import changes, dispatch

    install_converters(app)
    register_blueprints(app)
    init_web(app)
    observe.init_app(app)  # request ids, latency, one log line per request
    dispatch.wire()  # the change bus's handlers, in their written-down order
    changes.init_app(app)  # each request is a unit of work
    tracking.install(app)  # the events API's fast path, in front of Flask
    return app
