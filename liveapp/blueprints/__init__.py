"""Feature blueprints; each module exposes `bp`."""

from importlib import import_module

from flask import Flask

# One feature per line, in registration order.
FEATURES = (
    "auth",
    "board",
    "users",
    "groups",
    "sites",
    "visitors",
    "health",
    "metrics",
    "status",
    "tracking",
    "streams",
    "segments",
    "experiences",
    "routing",
    "imports",
    "conversations",
    "offers",
    "transfers",
    "meetings",
    "canned_replies",
    "my_replies",
    "widget",
    "events",
    "integrations",
    "reports",
)


def register_blueprints(app: Flask) -> None:
    """Register every feature blueprint on the app."""
    for name in FEATURES:
        app.register_blueprint(import_module(f"liveapp.blueprints.{name}").bp)
    import_module("liveapp.blueprints.jobs").register(app)  # rq-dashboard, not a `bp`
    # The demo's own pages (liveapp.demo): its made-up company site, always served (the
    # browser tests and a fresh install browse it), and the benchmarks' endpoints, only
    # when asked for. The one place the app imports liveapp.demo.
    app.register_blueprint(import_module("liveapp.demo.site").bp)
    if app.config.get("BENCH_ENDPOINTS"):
        app.register_blueprint(import_module("liveapp.demo.bench").bp)
