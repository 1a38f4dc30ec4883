"""The assignments contract: stored JSON, the per-rep index, clear, and "routing" changes."""

from __future__ import annotations

import json

from liveapp.extensions import redis
from liveapp.services.bus import changes
from liveapp.services.routing import assignments
from liveapp.services.routing.assignments import Assignment


def test_save_keeps_the_rep_index_and_publishes(app_ctx):
    seen = []
    changes.subscribe(seen.append)
    try:
        first = assignments.save("v1", Assignment("Rule", "round_robin", [1, 2, 3], [1],
                                                  explanation="why"))
        assert first.at > 0
        assert assignments.visible_to_rep(2) == {"v1"}
        assignments.save("v1", Assignment("Rule", "round_robin", [3], [3], claimed_by=7))
        assert assignments.visible_to_rep(1) == set() and assignments.visible_to_rep(2) == set()
        assert assignments.visible_to_rep(3) == {"v1"} == assignments.visible_to_rep(7)
        assert not redis.client.sismember(assignments.rep_index_key(1), "v1")
        assert assignments.get("v1").claimed_by == 7
        assignments.clear("v1")
        assert assignments.get("v1") is None and assignments.visible_to_rep(7) == set()
    finally:
        changes.unsubscribe(seen.append)
    assert [c.kind for c in seen] == ["routing"] * 3
    assert seen[0].data["explanation"] == "why" and seen[-1].data == {"cleared": True}


def test_round_trip_and_damaged_values(app_ctx):
    a = Assignment(None, None, outcome="no_rule", explanation="no routing rule matched", at=1.5)
    assert Assignment.from_dict(json.loads(json.dumps(a.to_dict()))) == a
    assert Assignment.from_dict({**a.to_dict(), "later_field": 1}) == a
    redis.client.set(assignments.assignment_key("v2"), "{not json")
    assert assignments.get("v2") is None
    assert assignments.get_many(["v2", "v3"]) == {}
