"""Whose calendar the booker shows: the first rep offered this request, else the rule's
fallbacks, else nobody."""

from liveapp.domain.meetings import FirstRouted, first_routed
from liveapp.extensions import db
from liveapp.services.chat import meetings
from tests.clock import at_each_instant
from tests.factories import GroupFactory, RoutingRuleFactory, UserFactory
from tests.meetings.conftest import decision

pytestmark = at_each_instant  # reads the wall clock: see tests/clock.py


def test_first_routed_reads_this_requests_history():
    pounce = decision("offer", offer_to=[9], candidates=[9], rule_id=1, at=5, trigger="pounce")
    earlier = decision("offer", offer_to=[8], rule_id=1, at=8)
    first = decision("offer", offer_to=[2], candidates=[2, 3], rule_id=4, at=20)
    second = decision("offer", offer_to=[3], candidates=[3], rule_id=4, at=40)
    booker = decision("meeting_booker", rule_id=4, at=60)
    newest_first = [booker, second, first, earlier, pounce]
    assert first_routed(newest_first, since=10) == FirstRouted(2, 4)
    assert first_routed(newest_first) == FirstRouted(8, 1)  # every inbound decision
    queued_then_routed = [decision("offer", candidates=[7], rule_id=4, at=30),
                          decision("queue", rule_id=4, at=20)]
    assert first_routed(queued_then_routed) == FirstRouted(7, 4)
    assert first_routed([booker]) == FirstRouted(None, 4)
    assert first_routed([pounce]) == FirstRouted(None, None)
    assert first_routed([]) == FirstRouted(None, None)


def test_nobody_offered_falls_back_to_the_rules_fallbacks(widget, at_booker, app_ctx):
    away = UserFactory(name="Al Away", is_chat_user=False)
    gone = UserFactory(name="Bea Gone", active=False)
    fallback = UserFactory(name="Zed Fallback")
    rule = RoutingRuleFactory(name="Enterprise")
    rule.fallback_users = [away, gone, fallback]
    db.session.commit()
    vid, token = at_booker(history=[decision("meeting_booker", rule_id=rule.id)])
    assert meetings.calendar_owner(vid) == fallback
    body = widget.slots(token).get_json()
    assert body["rep"] == "Zed Fallback" and body["slots"]


def test_a_fallback_groups_member_and_the_rule_by_name(at_booker, app_ctx):
    member = UserFactory(name="Gil Grouped")
    group = GroupFactory(name="Closers")
    group.members = [member]
    rule = RoutingRuleFactory(name="By name")
    rule.fallback_groups = [group]
    db.session.commit()
    vid, _ = at_booker(history=[decision("meeting_booker")], rule_name="By name")
    assert meetings.calendar_owner(vid) == member


def test_a_deactivated_first_rep_gives_way_to_the_fallback(at_booker, app_ctx):
    first, fallback = UserFactory(name="Ann Left"), UserFactory(name="Bob Backup")
    rule = RoutingRuleFactory()
    rule.fallback_users = [fallback]
    first.active = False
    db.session.commit()
    vid, _ = at_booker(history=[decision("offer", offer_to=[first.id], rule_id=rule.id),
                                decision("meeting_booker", rule_id=rule.id)])
    assert meetings.calendar_owner(vid) == fallback


def test_nobody_at_all_shows_no_slots_and_books_nothing(widget, at_booker, app_ctx):
    _, token = at_booker(history=[decision("meeting_booker")], rule_name=None)
    body = widget.slots(token).get_json()
    assert body == {"rep": None, "time_zone": None, "slots": [], "meeting": None}
    refused = widget.book(token, start="2030-01-07T10:00:00Z")
    assert refused.status_code == 400
    assert refused.get_json() == {"error": "start: not a free time"}


def test_then_the_people_the_rule_routes_to_even_if_nobody_was_free(at_booker, app_ctx):
    away = UserFactory(name="Ann Away", availability="away")  # not free, still her calendar
    member = UserFactory(name="Gus Grouped")
    group = GroupFactory(name="Mid-Market")
    group.members = [member]
    by_group = RoutingRuleFactory(name="Grouped")
    by_group.route_to_groups = [group]
    by_user = RoutingRuleFactory(name="Users")
    by_user.route_to_users = [away]
    everyone = RoutingRuleFactory(name="Everyone", route_to_all=True)
    db.session.commit()
    for rule, owner in ((by_group, member), (by_user, away)):
        vid, _ = at_booker(history=[decision("queue", rule_id=rule.id)])
        assert meetings.calendar_owner(vid) == owner
    vid, _ = at_booker(history=[decision("queue", rule_id=everyone.id)])
    assert meetings.calendar_owner(vid) is not None and meetings.calendar_owner(vid).active
