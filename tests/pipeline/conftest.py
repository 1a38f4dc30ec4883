"""Fixtures for the event pipeline: the tracking fixtures, and the app in "stream" mode."""

from __future__ import annotations

import pytest

from tests.tracking.conftest import (  # noqa: F401 (fixtures)
    api,
    count_rows,
    published,
    site,
)


@pytest.fixture
def stream_mode(app, monkeypatch):
    """The events API's appends stay in the stream until the test processes them (the
    suite's other tests have them drained after each post: tests/conftest.py)."""
    monkeypatch.setattr(app.extensions["test_drain"], "enabled", False)
    monkeypatch.setitem(app.config, "PIPELINE_CLAIM_IDLE", 30.0)
    return app


@pytest.fixture
def stream_length(app):
    from liveapp.extensions import redis
    from liveapp.services.tracking import pipeline

    def length() -> int:
        with app.app_context():
            return sum(redis.client.xlen(key) for key in pipeline.stream_keys())

    return length
