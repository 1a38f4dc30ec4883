"""Feature blueprints; each module exposes `bp`."""

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Register every feature blueprint on the app."""
    from liveapp.blueprints import auth, board, groups, health, users

    for module in (auth, board, users, groups, health):
        app.register_blueprint(module.bp)
    from liveapp.blueprints.events import bp as events_bp  # server-sent events (/events)

    app.register_blueprint(events_bp)
