"""The routing contract: assignments saved by routing, read by the board."""

from __future__ import annotations

from liveapp.extensions import redis
from liveapp.services.bus import changes
from liveapp.services.routing import assignments
from liveapp.services.routing.assignments import Assignment


def test_save_get_clear_and_the_per_rep_index(app_ctx):
    seen = []
    changes.subscribe(seen.append)
    try:
        saved = assignments.save("v1", Assignment(
            "Enterprise", "round_robin", routed_to=[1, 2], offered_to=[2], claimed_by=None,
            explanation="rule Enterprise matched"))
        assert saved.at > 0
        assert assignments.get("v1") == saved
        assert assignments.visible_to_rep(1) == {"v1"} == assignments.visible_to_rep(2)
        assignments.save("v1", Assignment("Enterprise", "round_robin", routed_to=[2],
                                          claimed_by=3))
        assert assignments.visible_to_rep(1) == set()
        assert assignments.visible_to_rep(3) == {"v1"}
        assignments.clear("v1")
        assert assignments.get("v1") is None
        assert assignments.visible_to_rep(2) == set() == assignments.visible_to_rep(3)
        assert [c.kind for c in seen] == ["routing"] * 3
        assert seen[0].data["rule_name"] == "Enterprise" and seen[-1].data == {"cleared": True}
    finally:
        changes.unsubscribe(seen.append)


def test_expired_assignments_leave_the_index(app_ctx):
    assignments.save("v2", Assignment("R", "first_available", routed_to=[7]))
    redis.client.delete(assignments.assignment_key("v2"))  # its TTL ran out
    assert assignments.visible_to_rep(7) == set()
    assert not redis.client.smembers(assignments.rep_index_key(7))


def test_damaged_values_read_as_unrouted(app_ctx):
    redis.client.set(assignments.assignment_key("v3"), b"{not json")
    assert assignments.get("v3") is None
    assert assignments.get_many(["v3", "v4"]) == {}
