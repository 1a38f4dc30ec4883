"""Feature blueprints; each module exposes `bp`."""

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Register every feature blueprint on the app."""
    from liveapp.blueprints import auth, board, demo_site, groups, health, users

    for module in (auth, board, users, groups, health, demo_site):
        app.register_blueprint(module.bp)
