"""Fixtures for the meeting booker: visitors whose inbound request ended at the booker."""

from __future__ import annotations

import json
import time

import pytest

from liveapp.extensions import redis
from liveapp.services.routing import assignments, router
from tests.tracking.conftest import ORIGIN, api, site  # noqa: F401  (events API fixtures)
from tests.visitor_ids import VisitorId


def decision(outcome: str, *, offer_to=(), candidates=(), rule_id=None, at=None,
             trigger="inbound") -> dict:
    """A routing history entry as `router.apply` writes it."""
    return {"outcome": outcome, "rule_id": rule_id, "rule_name": "Test rule",
            "mode": "round_robin", "step": "users", "candidates": list(candidates),
            "offer_to": list(offer_to), "offer_timeout_seconds": 20, "trace": [],
            "summary": "", "trigger": trigger, "at": time.time() if at is None else at}


@pytest.fixture
def at_booker(api):  # noqa: F811  (the events API fixture)
    """at_booker(rep=None, history=None, rule_name=...) -> (visitor id, token): a live
    visitor whose inbound request was offered to `rep`, timed out, and ended at the
    meeting booker (or whose routing history is `history`, oldest first)."""

    def make(rep=None, *, history=None, rule_name="Test rule", outcome="meeting_booker"):
        vid = VisitorId()
        response = api.send(visitor_id=vid)
        assert response.status_code == 202
        asked = time.time() - 60
        redis.client.hset(router.state_key(vid), mapping={
            "trigger": "inbound", "requested_at": repr(asked)})
        if history is None:
            history = [decision("offer", offer_to=[rep.id], candidates=[rep.id], at=asked + 1),
                       decision(outcome, at=asked + 21)]
        for entry in history:  # newest first, as routing keeps it
            redis.client.lpush(router.history_key(vid), json.dumps(entry))
        assignments.save(vid, assignments.Assignment(
            rule_name=rule_name, mode="round_robin", outcome=outcome, trigger="inbound",
            explanation="test"))
        return vid, response.get_json()["token"]

    return make


@pytest.fixture
def widget(app):
    """The widget's calls, from an allowed origin."""

    class Widget:
        client = app.test_client()

        def slots(self, token):
            return self.client.get(f"/t/v1/chat/slots?token={token}",
                                   headers={"Origin": ORIGIN})

        def book(self, token, **fields):
            return self.client.post("/t/v1/chat/meetings", json={"token": token, **fields},
                                    headers={"Origin": ORIGIN})

    return Widget()
