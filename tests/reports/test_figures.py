"""Each figure of the reports against the hand-built data set (tests/reports/conftest.py),
counted by hand, on whichever backend the run uses (SQLite, or PostgreSQL by DATABASE_URL)."""

from __future__ import annotations

from datetime import date

import pytest

from liveapp.extensions import db
from liveapp.models.routing import RoutingRule
from liveapp.services import reports

D28, D29 = date(2026, 3, 28), date(2026, 3, 29)
NONE7 = (0,) * 7


def rows(key, filters):
    return reports.table(key, filters).rows


def test_visitors_per_day_cut_in_berlin_across_the_dst_change(world):
    # 28: v1 (27 23:00 and 28 22:00 UTC), v3; 29: v1 (28 23:00 UTC = 00:00 +1), v2, v4
    assert rows("visitors_per_day", world.filters()) == [
        (D28, 2, 1, 50.0), (D29, 3, 2, 66.7)]


def test_the_offset_after_the_change_cuts_the_next_day(world):
    # v2's hour 29 22:00 UTC is 30 00:00 at +02:00 (at +01:00 it would be the 29th)
    assert rows("visitors_per_day", world.filters(end=date(2026, 3, 30))) == [
        (D28, 2, 1, 50.0), (D29, 3, 2, 66.7), (date(2026, 3, 30), 1, 1, 100.0)]


def test_visitors_per_day_in_utc_cut_elsewhere(world):
    # UTC 28: v1 (22:00, 23:00), v3; 29: v2 (21:00, 22:00), v4; 27 23:00 is the 27th
    assert rows("visitors_per_day", world.filters(tz="UTC")) == [
        (D28, 2, 1, 50.0), (D29, 2, 2, 100.0)]


def test_visitors_per_day_in_a_half_hour_zone(world):
    # Kolkata (+05:30): the range is UTC [27 18:30, 29 18:30). 28: v1 (27 23:00), v3, and
    # vout (27 22:00 = 28 03:30, identified); 29: v1 (28 22:00 identified, 23:00), v4
    assert rows("visitors_per_day", world.filters(tz="Asia/Kolkata")) == [
        (D28, 3, 1, 33.3), (D29, 2, 2, 100.0)]


def test_visitors_per_stream(world):
    table = reports.table("visitors_per_stream", world.filters())
    assert table.columns == ("Day", "No stream", "Stream A", "Stream B")
    assert table.rows == [(D28, 1, 2, 0), (D29, 0, 1, 2)]
    assert table.series == (1, 2, 3)


def test_identified_share_over_the_range_in_visitor_days(world):
    # 28: v1 (identified at 22:00), v3; 29: v1, v2 (identified), v4 (identified)
    assert rows("identified_share", world.filters()) == [(5, 3, 60.0)]


def test_top_companies_and_target_accounts(world):
    assert rows("top_companies", world.filters()) == [
        ("Acme", "acme.com", 4, "yes"), ("Beta", "beta.io", 1, "no")]  # visitor-days:
    # Acme on the 28th: v1, v3; on the 29th: v1, v4
    assert rows("target_accounts", world.filters()) == [("Acme", "acme.com", 4, D28, D29)]


def test_decisions_per_rule_and_outcome(world):
    # OUTCOMES: owner, last_chat, sender, group, queue, booker, nobody
    assert rows("decisions_per_rule", world.filters()) == [
        ("Rule One", 1, 0, 0, 1, 0, 0, 0, 2), ("Rule Two", 1, 0, 0, 0, 1, 0, 0, 2),
        ("No rule matched", 0, 0, 0, 0, 0, 0, 1, 1)]
    assert rows("decisions_per_outcome", world.filters()) == [
        ("CRM owner", 2, 40.0), ("Last chatted rep", 0, 0.0), ("Email sender", 0, 0.0),
        ("Rule's reps", 1, 20.0), ("Queue", 1, 20.0), ("Meeting booker", 0, 0.0),
        ("Nobody", 1, 20.0)]


def test_skip_reasons(world):
    assert rows("skip_reasons", world.filters()) == [
        ("away", 3), ("at capacity", 1), ("outside working hours", 1)]


def test_owner_share_over_decisions(world):
    assert rows("owner_share", world.filters()) == [("Decisions", 3, 2, 66.7)]


def test_per_rep(world):
    # offers, accepted, declined, timeout, p50, p90, chats, messages, meetings
    assert rows("reps", world.filters()) == [
        ("Alice", 3, 2, 0, 1, 20.0, 28.0, 3, 5, 0),
        ("Bob", 3, 1, 1, 0, 40.0, 40.0, 2, 1, 1)]


def test_per_group_sums_current_members(world):
    assert rows("groups", world.filters()) == [
        ("Group One", 3, 2, 0, 1, 20.0, 28.0, 3, 5, 0),
        ("Group Two", 6, 3, 1, 1, 30.0, 38.0, 5, 6, 1)]


def test_pounce_vs_inbound_and_chats_per_day(world):
    assert rows("pounce_vs_inbound", world.filters()) == [
        ("pounce", 2, 40.0), ("inbound", 3, 60.0)]
    # the pounce at 28 22:30 UTC is 23:30 in Berlin: the 28th
    assert rows("chats_per_day", world.filters()) == [(D28, 2, 1, 3), (D29, 0, 2, 2)]


def test_first_response(world):
    # inbound: 30 s (v1), 60 s (v4; the bot does not count), v2 never answered;
    # pounce: the visitor's first message at 10:06:00, the rep at 10:06:20
    assert rows("first_response", world.filters()) == [
        ("pounce", 1, 20.0), ("inbound", 2, 45.0), ("all", 3, 30.0)]


def test_chats_that_ended_in_a_meeting(world):
    # v4's meeting 21 h after the chat closed; v2's during the open chat; v1's came > 24 h
    # after both of v1's chats, and the cancelled one does not count
    assert rows("chats_with_meeting", world.filters()) == [
        ("pounce", 2, 0, 0.0), ("inbound", 3, 2, 66.7)]


def test_a_rep_filter_sees_only_their_own(world):
    mine = world.filters(rep_id=world.alice.id)
    # visitors Alice was offered or chatted with on the day: 28: v1, v3; 29: v4
    assert rows("visitors_per_day", mine) == [(D28, 2, 1, 50.0), (D29, 1, 1, 100.0)]
    assert rows("decisions_per_rule", mine) == [
        ("Rule One", 1, 0, 0, 1, 0, 0, 0, 2), ("Rule Two", 0, 0, 0, 0, 1, 0, 0, 1)]
    assert rows("skip_reasons", mine) == [("away", 2)]
    assert [r[0] for r in rows("reps", mine)] == ["Alice"]
    assert rows("groups", mine) == [
        ("Group One", 3, 2, 0, 1, 20.0, 28.0, 3, 5, 0),
        ("Group Two", 3, 2, 0, 1, 20.0, 28.0, 3, 5, 0)]
    assert rows("pounce_vs_inbound", mine) == [("pounce", 2, 66.7), ("inbound", 1, 33.3)]


def test_a_reps_visitors_count_on_the_days_the_rep_was_offered_them_or_chatted(world):
    alice = world.filters(rep_id=world.alice.id)
    # v1: offered (d1) and chatted on the 28th, seen on the 29th (28 23:00 UTC) but not
    # Alice's that day; v4: offered on the 29th (timed out): it counts all the same; v2:
    # offered (dout) after the range
    assert reports.table("visitors_per_stream", alice).rows == [(D28, 1, 2, 0),
                                                                 (D29, 0, 0, 1)]
    assert rows("identified_share", alice) == [(3, 2, 66.7)]
    assert rows("top_companies", alice) == [("Acme", "acme.com", 3, "yes")]
    assert rows("target_accounts", alice) == [("Acme", "acme.com", 3, D28, D29)]
    bob = world.filters(rep_id=world.bob.id)
    # 28: v3 (offered d2, taken by Alice); 29: v4 (offered, chat), v2 (chat at 21:40 UTC,
    # 23:40 in Berlin); his chat with v2 on the 27th (UTC 22:00) is before the range
    assert rows("visitors_per_day", bob) == [(D28, 1, 0, 0.0), (D29, 2, 2, 100.0)]
    assert rows("top_companies", bob) == [("Acme", "acme.com", 2, "yes"),
                                          ("Beta", "beta.io", 1, "no")]
    assert "the rep's visitors" in reports.table("visitors_per_day", bob).note


def test_a_groups_visitors_are_its_members_visitors_each_counted_once_a_day(world):
    two = world.filters(group_id=world.g2)
    # 28: v1 (Alice), v3 (offered to both: once); 29: v4 (both), v2 (Bob)
    assert rows("visitors_per_day", two) == [(D28, 2, 1, 50.0), (D29, 2, 2, 100.0)]
    assert rows("top_companies", two) == [("Acme", "acme.com", 3, "yes"),
                                          ("Beta", "beta.io", 1, "no")]
    assert "the group's visitors" in reports.table("identified_share", two).note
    # a rep viewer's group filter keeps only the rep: Alice's visitors
    assert rows("visitors_per_day", world.filters(group_id=world.g2, rep_id=world.alice.id)
                ) == [(D28, 2, 1, 50.0), (D29, 1, 1, 100.0)]


def test_a_group_filter_keeps_its_members(world):
    one = world.filters(group_id=world.g1)
    assert [r[0] for r in rows("reps", one)] == ["Alice"]
    assert rows("groups", one) == [("Group One", 3, 2, 0, 1, 20.0, 28.0, 3, 5, 0)]


@pytest.mark.parametrize("narrow, per_day, chats", [
    ("site", [(D28, 0, 0, None), (D29, 1, 1, 100.0)], [("pounce", 0, 0.0),
                                                       ("inbound", 1, 100.0)]),
    ("stream", [(D28, 2, 1, 50.0), (D29, 1, 0, 0.0)], [("pounce", 2, 66.7),
                                                       ("inbound", 1, 33.3)]),
    ("rule", [(D28, 0, 0, None), (D29, 1, 1, 100.0)], [("pounce", 0, 0.0),
                                                       ("inbound", 1, 100.0)]),
])
def test_site_stream_and_rule_filters_narrow(world, narrow, per_day, chats):
    filters = world.filters(**{"site": {"site_id": world.s2}, "stream": {"stream_id": world.a},
                               "rule": {"rule_id": world.r2}}[narrow])
    assert rows("visitors_per_day", filters) == per_day
    assert rows("pounce_vs_inbound", filters) == chats


def test_the_rule_filter_narrows_routing_and_offers(world):
    two = world.filters(rule_id=world.r2)
    assert rows("decisions_per_outcome", two)[0] == ("CRM owner", 1, 50.0)
    # o4 (declined), o5 (accepted) to Bob, o6 (timeout) to Alice; the chat with v4 is Bob's
    assert rows("reps", two) == [("Alice", 1, 0, 0, 1, None, None, 0, 0, 0),
                                 ("Bob", 2, 1, 1, 0, 40.0, 40.0, 1, 1, 0)]


def test_a_stream_filter_keeps_the_chats_of_visitors_in_the_stream_that_day(world):
    from liveapp.models.history import VisitorHour
    from tests.reports.conftest import at

    # v3 in stream B on the 29th only: its chat with Alice on the 28th is not stream B's
    db.session.add(VisitorHour(visitor_id="v3", site_id=world.s1, hour=at("29 08:00"),
                               stream_id=world.b, identified=False))
    db.session.commit()
    b = world.filters(stream_id=world.b)
    # stream B on the 29th: v4 (Bob's inbound chat, answered in 60 s), v2 (Bob's inbound
    # chat, never answered, and the meeting during it)
    assert rows("pounce_vs_inbound", b) == [("pounce", 0, 0.0), ("inbound", 2, 100.0)]
    assert rows("chats_per_day", b) == [(D28, 0, 0, 0), (D29, 0, 2, 2)]
    assert rows("first_response", b) == [("pounce", 0, None), ("inbound", 1, 60.0),
                                         ("all", 1, 60.0)]
    # offers: d3's and d5's (stream B); Alice's messages to v3 are the 28th's
    assert rows("reps", b) == [("Alice", 1, 0, 0, 1, None, None, 0, 0, 0),
                               ("Bob", 2, 1, 1, 0, 40.0, 40.0, 2, 1, 1)]
    assert "in the stream that local day" in reports.table("reps", b).note


def test_a_rule_filter_keeps_the_visitors_and_chats_of_the_days_it_routed_them(world):
    from liveapp.models.history import RoutingRecord
    from tests.reports.conftest import at

    # Rule Two routes v1 on the 29th (08:00 UTC): not the 28th of v1's chats and hours
    db.session.add(RoutingRecord(decided_at=at("29 08:00"), visitor_id="v1",
                                 site_id=world.s1, stream_id=world.a, trigger="inbound",
                                 rule_id=world.r2, rule_name="Rule Two", outcome="queue",
                                 owner_known=False, owner_routed=False))
    db.session.commit()
    two = world.filters(rule_id=world.r2)
    # 29: v4 (identified), v1 (28 23:00 UTC = 29 00:00 in Berlin)
    assert rows("visitors_per_day", two) == [(D28, 0, 0, None), (D29, 2, 1, 50.0)]
    assert "the rule's visitors" in reports.table("visitors_per_day", two).note
    assert rows("pounce_vs_inbound", two) == [("pounce", 0, 0.0), ("inbound", 1, 100.0)]
    assert rows("reps", two) == [("Alice", 1, 0, 0, 1, None, None, 0, 0, 0),
                                 ("Bob", 2, 1, 1, 0, 40.0, 40.0, 1, 1, 0)]


def test_every_section_returns_its_tables_in_order(world):
    keys = {s: [t.key for t in reports.report(s, world.filters())] for s in reports.SECTIONS}
    assert keys == {
        "visitors": ["visitors_per_day", "visitors_per_stream", "identified_share",
                     "top_companies", "target_accounts"],
        "routing": ["decisions_per_rule", "decisions_per_outcome", "skip_reasons",
                    "owner_share"],
        "reps": ["reps", "groups"],
        "conversations": ["pounce_vs_inbound", "chats_per_day", "first_response",
                          "chats_with_meeting"]}
    for section in reports.SECTIONS:
        for t in reports.report(section, world.filters()):
            assert t.section == section
            assert all(len(row) == len(t.columns) for row in t.rows), t.key
            assert reports.table(t.key, world.filters()) == t  # the CSV's table is the page's


def test_an_empty_range_gives_zeros_not_errors(world):
    empty = world.filters(start=date(2025, 1, 1), end=date(2025, 1, 2))
    for section in reports.SECTIONS:
        reports.report(section, empty)
    assert rows("visitors_per_day", empty) == [(date(2025, 1, 1), 0, 0, None),
                                               (date(2025, 1, 2), 0, 0, None)]


def test_a_renamed_rule_reads_under_its_current_name(world):
    db.session.get(RoutingRule, world.r1).name = "Rule Uno"
    db.session.commit()
    assert ("Rule Uno", 1, 0, 0, 1, 0, 0, 0, 2) in rows("decisions_per_rule", world.filters())
