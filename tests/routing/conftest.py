"""Fixtures for routing settings: a record of settings_changed and the enterprise flag."""

import pytest

from liveapp.signals import settings_changed


@pytest.fixture
def changes():
    seen = []

    def record(sender, **kwargs):
        seen.append(kwargs["kind"])

    settings_changed.connect(record)
    yield seen
    settings_changed.disconnect(record)


@pytest.fixture
def enterprise(app):
    """The installation's enterprise flag switched on for one test."""
    before = app.config.get("ENTERPRISE_FEATURES")
    app.config["ENTERPRISE_FEATURES"] = True
    try:
        yield
    finally:
        app.config["ENTERPRISE_FEATURES"] = before
