"""The visitor timeline records a routing decision once (issue 12, defect 9): routing runs
again for many reasons and mostly decides the same; only a changed decision adds an entry."""

from __future__ import annotations

from liveapp.services.routing import router
from liveapp.services.tracking import timeline
from tests.routing_jobs.conftest import work
from tests.routing_jobs.test_offers_move_on import set_away


def routing_entries(vid: str) -> list[str]:
    """The routing lines of the visitor's timeline, oldest first."""
    return [e.text for e in reversed(timeline.entries(vid)) if e.kind == "routing"]


def test_the_same_decision_again_adds_nothing_a_changed_one_adds_one(
        job_app, app, visit, make_rep, make_rule):
    ann, bob = make_rep(name="Ann", email="ann@example.com"), \
        make_rep(name="Bob", email="bob@example.com")
    make_rule([ann, bob], name="Everyone", distribution="first_available")
    vid = visit()
    for _ in range(4):  # a rep came back, CRM facts arrived, the queue drained...
        router.route_now(vid, "pounce")
    assert routing_entries(vid) == ["Everyone (first available): Offered to Ann, Bob"]
    assert len(router.history(vid)) == 4  # the routing history still keeps every run

    set_away(app, ann)  # Ann goes away: routing moves on to Bob alone
    work()
    router.route_now(vid, "pounce")
    assert routing_entries(vid) == ["Everyone (first available): Offered to Ann, Bob",
                                    "Everyone (first available): Offered to Bob"]


def test_routed_to_nobody_is_recorded_once(job_app, visit, make_rep, make_rule):
    away = make_rep(name="Ann", email="ann@example.com", availability="away")
    make_rule([away], name="Everyone", distribution="first_available")
    vid = visit()
    for _ in range(6):  # six "Routed to nobody" in 90 s, in the issue
        router.route_now(vid, "pounce")
    assert routing_entries(vid) == ["Everyone (first available): Routed to nobody"]
