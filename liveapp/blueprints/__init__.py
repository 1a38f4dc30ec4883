"""Feature blueprints; each module exposes `bp`."""

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Register every feature blueprint on the app."""
    from liveapp.blueprints import (
        auth,
        board,
        groups,
        health,
        routing,
        segments,
        streams,
        users,
    )

    for module in (auth, board, users, groups, health, streams, segments, routing):
        app.register_blueprint(module.bp)
