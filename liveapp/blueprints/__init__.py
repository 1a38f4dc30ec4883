"""Feature blueprints; each module exposes `bp`."""

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Register every feature blueprint on the app."""
    from liveapp.blueprints import (
        auth,
        board,
        experiences,
        groups,
        health,
        segments,
        sites,
        streams,
        tracking,
        users,
        visitors,
    )

    for module in (auth, board, users, groups, sites, visitors, health, tracking, streams,
                   segments, experiences):
        app.register_blueprint(module.bp)
    if app.config.get("BENCH_ENDPOINTS"):
        from liveapp.blueprints import bench

        app.register_blueprint(bench.bp)
