"""Fixtures for tracking: a site, an events API client, row counts and change capture."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import func, select

from tests.visitor_ids import cookie_of

ORIGIN = "https://www.example.com"


@pytest.fixture
def site(app_ctx):
    from liveapp.services.settings import sites

    return sites.save_site(None, name="Example", allowed_origins=[ORIGIN])


class EventsApi:
    """Posts events to the real endpoint through the test client."""

    def __init__(self, client, site_key: str):
        self.client = client
        self.site_key = site_key

    def body(self, **fields) -> dict:
        visitor_id = fields.pop("visitor_id", None) or str(uuid.uuid4())
        body = {"site_key": self.site_key, "visitor_id": cookie_of(visitor_id),
                "type": "page_view", "url": "https://www.example.com/"}
        body.update(fields)
        return {k: v for k, v in body.items() if v is not ...}

    def send(self, body: dict | None = None, headers: dict | None = None, **fields):
        payload = body if body is not None else self.body(**fields)
        return self.raw(json.dumps(payload), headers=headers)

    def raw(self, data, content_type: str = "application/json", headers: dict | None = None):
        return self.client.post("/t/v1/events", data=data, content_type=content_type,
                                headers=headers or {})


@pytest.fixture
def api(app, site):
    return EventsApi(app.test_client(), site.site_key)


@pytest.fixture
def count_rows(app):
    """count_rows() -> {table: rows} for the tracking tables."""
    from liveapp.extensions import db
    from liveapp.models import PageView, Visitor, VisitSession

    def count() -> dict[str, int]:
        with app.app_context():
            return {m.__tablename__: db.session.scalar(select(func.count()).select_from(m))
                    for m in (Visitor, VisitSession, PageView)}

    return count


@pytest.fixture
def published():
    """Every tracking change published in this process during the test (membership's own
    announcements, which follow them, are left out)."""
    from liveapp.services.bus import changes

    seen: list = []

    def record(change):
        if change.kind != "membership":
            seen.append(change)

    changes.subscribe(record)
    yield seen
    changes.unsubscribe(record)
