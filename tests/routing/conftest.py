"""Fixtures for routing settings: the enterprise flag."""

import pytest


@pytest.fixture
def enterprise(app):
    """The installation's enterprise flag switched on for one test."""
    before = app.config.get("ENTERPRISE_FEATURES")
    app.config["ENTERPRISE_FEATURES"] = True
    try:
        yield
    finally:
        app.config["ENTERPRISE_FEATURES"] = before
