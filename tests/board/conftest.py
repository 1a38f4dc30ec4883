"""Board fixtures: two streams chosen by URL, tracked visitors, routing through the
assignments contract, and a recorder of the live events published on Redis."""

from __future__ import annotations

import json
import re
import time

import pytest

from liveapp.extensions import redis
from liveapp.infra import realtime
from liveapp.services.membership import live_membership
from liveapp.services.routing import assignments
from liveapp.services.routing.assignments import Assignment
from tests.factories import SegmentFactory, StreamFactory
from tests.tracking import conftest as tracking_fixtures
from tests.tracking.conftest import ORIGIN
from tests.visitor_ids import VisitorId, tracked

api, site = tracking_fixtures.api, tracking_fixtures.site  # the events API fixtures

PRICING = f"{ORIGIN}/pricing"
DOCS = f"{ORIGIN}/docs"
HOME = f"{ORIGIN}/"


def _url_segment(name: str, needle: str):
    return SegmentFactory(name=name, criteria={"match": "all", "conditions": [
        {"field": "current_url", "operator": "contains", "value": needle}]})


@pytest.fixture
def streams(app_ctx):
    """"Pricing" (left, red) holds visitors on /pricing; "Docs" those on /docs."""
    pricing = StreamFactory(name="Pricing", colour="#c62f3a", position=0,
                            segments=[_url_segment("On pricing", "/pricing")])
    docs = StreamFactory(name="Docs", colour="#1f9d55", position=1,
                         segments=[_url_segment("On docs", "/docs")])
    live_membership.bump_settings_version()
    return {"pricing": pricing, "docs": docs}


@pytest.fixture
def rep_a(make_user):
    return make_user(role="rep", email="a@example.com", name="Alice Rep")


@pytest.fixture
def rep_b(make_user):
    return make_user(role="rep", email="b@example.com", name="Bob Rep")


class Visitors:
    """Tracks visitors through the real events API and routes them through `save()`."""

    def __init__(self, api):
        self.api = api

    def visit(self, url: str = PRICING, visitor_id: str | None = None, **fields) -> VisitorId:
        visitor_id = tracked(visitor_id)
        response = self.api.send(visitor_id=visitor_id, url=url, **fields)
        assert response.status_code == 202, response.get_json()
        return visitor_id

    def event(self, visitor_id: str, type: str, **fields) -> None:
        response = self.api.send(visitor_id=visitor_id, type=type, **fields)
        assert response.status_code == 202, response.get_json()

    def leave(self, visitor_id: str) -> None:
        """A `leave`, then the expiry job once its grace period is over (as in production)."""
        from liveapp.domain.visitor_presence import LEAVE_GRACE
        from liveapp.services.tracking import visitor_events

        self.event(visitor_id, "leave")
        visitor_events.expire_presence(time.time() + LEAVE_GRACE + 1)

    def route(self, visitor_id: str, *reps, rule="High intent", mode="first_available",
              explanation="rule High intent matched → routed") -> Assignment:
        return assignments.save(visitor_id, Assignment(
            rule_name=rule, mode=mode, routed_to=[r.id for r in reps], explanation=explanation))


@pytest.fixture
def visitors(api, streams):
    return Visitors(api)


class Recorder:
    """Live events published to some channels, read from real Redis pub/sub."""

    def __init__(self, channels: list[str]):
        self.names = {realtime.redis_channel(c): c for c in channels}
        self.pubsub = redis.client.pubsub()
        self.pubsub.subscribe(*self.names)
        confirmed, deadline = 0, time.monotonic() + 5
        while confirmed < len(self.names) and time.monotonic() < deadline:
            message = self.pubsub.get_message(timeout=0.1)
            if message and message["type"] == "subscribe":
                confirmed += 1

    def take(self, settle: float = 0.2) -> list[tuple[str, str, str]]:
        """(channel, event, data) of every event published so far (publishing is
        synchronous: the messages are already on their way when this drains them)."""
        events, deadline = [], time.monotonic() + settle
        while time.monotonic() < deadline:
            message = self.pubsub.get_message(timeout=0.05)
            if message and message["type"] == "message":
                payload = json.loads(message["data"])
                channel = self.names[message["channel"].decode()]
                events.append((channel, payload.get("type") or "message", payload["data"]))
        return events

    def close(self) -> None:
        self.pubsub.close()


@pytest.fixture
def record(app_ctx):
    opened = []

    def start(*channels: str) -> Recorder:
        recorder = Recorder(list(channels))
        opened.append(recorder)
        return recorder

    yield start
    for recorder in opened:
        recorder.close()


def ops(data: str) -> list[str]:
    """The out-of-band operations of an event, in order: e.g. ["delete #visitor-x",
    "true #stream-1-head", "afterbegin:#stream-1-cards"] (board cards, accept prompts)."""
    found = []
    for attrs in re.findall(r"<\w+([^>]*hx-swap-oob=\"[^\"]+\"[^>]*)>", data):
        how = re.search(r'hx-swap-oob="([^"]+)"', attrs).group(1)
        ident = re.search(r'id="([^"]+)"', attrs)
        found.append(f"{how} #{ident.group(1)}" if ident and ":" not in how else how)
    return found
