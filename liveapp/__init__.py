"""liveapp: live visitor streams and conversation routing for B2B sales teams."""

from __future__ import annotations

import os
from pathlib import Path

import email_validator
from flask import Flask

from liveapp import config as config_module
from liveapp import embedded_redis
from liveapp.extensions import csrf, db, login_manager, migrate, redis

# Demo, simulator and CRM-sandbox addresses use the reserved .test TLD (RFC 2606), which
# email_validator refuses by default; staging CRMs often hold such addresses too.
if "test" in email_validator.SPECIAL_USE_DOMAIN_NAMES:
    email_validator.SPECIAL_USE_DOMAIN_NAMES.remove("test")

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")


def create_app(config: dict | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints, error pages and CLI."""
    app = Flask(__name__, instance_path=os.environ.get("LIVEAPP_INSTANCE") or None)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(config_module.from_environment(Path(app.instance_path)))
    if config:
        app.config.from_mapping(config)
    if not app.config["REDIS_URL"]:
        app.config["REDIS_URL"] = embedded_redis.ensure(app.instance_path)

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    redis.init_app(app)

    from liveapp import models  # noqa: F401  (register every model with the metadata)
    from liveapp.blueprints import register_blueprints
    from liveapp.web import init_app as init_web

    register_blueprints(app)
    from liveapp.services import routing as routing_service

    routing_service.init_app(app)  # pounce routing follows membership's stream placement
    init_web(app)
    from liveapp.services import (
        arrivals,
        board_live,
        chat_flow,
        chat_live,
        crm,
        inbound_alerts,
        membership,
    )

    # Before membership: a CRM look-up is marked in flight before the pounce routing that
    # the same change may trigger, so that routing waits for it.
    crm.init_app(app)
    membership.init_app(app)
    board_live.init_app(app)  # after membership: board updates follow its evaluation
    inbound_alerts.init_app(app)  # accept prompts for inbound chat requests
    arrivals.init_app(app)  # after the card: a rep's pounce visitor just arrived
    chat_live.init_app(app)  # chat panels on the visitor detail
    chat_flow.init_app(app)  # inbound routing changes reach the visitor's widget
    return app
