"""Fixtures for accept prompts: routing through real RQ workers (tests/routing_jobs),
live events read from Redis pub/sub (tests/board), reps who sign in."""

from __future__ import annotations

import pytest

from liveapp.infra import realtime
from tests.board.conftest import ops, record  # noqa: F401  (live event recorder)
from tests.conftest import Browser
from tests.routing_jobs.conftest import (  # noqa: F401  (shared fixtures)
    api,
    job_app,
    make_rep,
    make_rule,
    site,
)
from tests.tracking.conftest import ORIGIN
from tests.visitor_ids import VisitorId

PRICING = f"{ORIGIN}/pricing"


@pytest.fixture
def two_reps(make_rep):  # noqa: F811
    return [make_rep(name="Ann Rep", email="ann@example.com"),
            make_rep(name="Bob Rep", email="bob@example.com")]


@pytest.fixture
def visit(api, app_ctx):  # noqa: F811
    """visit(**fields) -> a new live visitor's id, created through the events API."""

    def make(**fields) -> str:
        vid = VisitorId()
        fields.setdefault("url", PRICING)
        fields.setdefault("title", "Pricing plans")
        response = api.send(visitor_id=vid, **fields)
        assert response.status_code == 202, response.get_json()
        return vid

    return make


@pytest.fixture
def signed_in(app):
    """signed_in(user) -> a test client signed in as that user through the login form."""

    def make(user) -> Browser:
        browser = Browser(app.test_client())
        assert browser.login(user.email).status_code == 303
        return browser

    return make


def channel(user) -> str:
    return realtime.rep_channel(user.id)


def offers(events) -> dict[str, list[str]]:
    """channel -> the `offer` events' operations sent to it (other events left out)."""
    found: dict[str, list[str]] = {}
    for chan, event, data in events:
        if event == "offer":
            found.setdefault(chan, []).extend(ops(data))
    return found
