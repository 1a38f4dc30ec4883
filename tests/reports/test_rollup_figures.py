"""The daily rollups give the live queries' figures, table for table, for the hand-built
data set (conftest) under every kind of filter the rollups answer."""

from __future__ import annotations

from datetime import date

import pytest

from liveapp.extensions import redis
from liveapp.services import reports
from liveapp.services.reports import from_rollups
from liveapp.services.reports.days import days
from liveapp.services.reports.rollup_runs import asked_key, rebuild
from tests.reports.conftest import END, START, TZ

ZONES = (TZ, "UTC", "Asia/Kolkata")


def _build(zone: str, start: date = START, end: date = END) -> None:
    rebuild(zone, days(start, end))


def _filter_sets(w) -> dict[str, dict]:
    return {"all": {}, "site": {"site_id": w.s1}, "other site": {"site_id": w.s2},
            "stream": {"stream_id": w.a}, "stream b": {"stream_id": w.b},
            "rule": {"rule_id": w.r2}, "rep": {"rep_id": w.bob.id},
            "group": {"group_id": w.g1}, "group two": {"group_id": w.g2},
            "rep viewer": {"rep_id": w.alice.id}, "site and rep": {"site_id": w.s2,
                                                                   "rep_id": w.bob.id},
            "site one and rep": {"site_id": w.s1, "rep_id": w.bob.id},
            "stream and rep": {"stream_id": w.a, "rep_id": w.alice.id},
            "stream b and rep": {"stream_id": w.b, "rep_id": w.bob.id},
            "rep in group": {"group_id": w.g2, "rep_id": w.alice.id},
            "rep not in group": {"group_id": w.g1, "rep_id": w.bob.id},
            "site and group two": {"site_id": w.s2, "group_id": w.g2},
            "site one and group two": {"site_id": w.s1, "group_id": w.g2},
            "stream and group two": {"stream_id": w.a, "group_id": w.g2},
            "stream b and group two": {"stream_id": w.b, "group_id": w.g2},
            "rule one": {"rule_id": w.r1}, "site and rule": {"site_id": w.s2, "rule_id": w.r2},
            "stream and rule": {"stream_id": w.a, "rule_id": w.r1},
            "stream b and site": {"stream_id": w.b, "site_id": w.s1},
            "rule and rep": {"rule_id": w.r2, "rep_id": w.bob.id},
            "rule one and group two": {"rule_id": w.r1, "group_id": w.g2}}


def _rows(tables) -> dict[str, tuple]:
    return {t.key: (t.columns, t.rows) for t in tables}


@pytest.mark.parametrize("zone", ZONES)
def test_every_table_of_every_section_equals_the_live_figures(world, zone):
    _build(zone, date(2026, 3, 27), date(2026, 3, 30))
    used = set()
    for name, kwargs in _filter_sets(world).items():
        filters = world.filters(tz=zone, **kwargs)
        for section in reports.SECTIONS:
            expected = _rows(reports.live(section, filters))
            if from_rollups.usable(section, filters):
                used.add((name, section))
                assert _rows(from_rollups.section(section, filters)) == expected, (
                    name, section)
            assert _rows(reports.report(section, filters)) == expected, (name, section)
    assert ("all", "visitors") in used and ("rep viewer", "reps") in used
    assert ("group", "conversations") in used and ("rule", "routing") in used
    assert ("stream", "visitors") in used and ("site and rep", "reps") in used
    # a rep's visitors, and a group of one's, from the rep visitor and company days; a
    # group of two's from its own (a visitor of both members counts once)
    assert {("rep", "visitors"), ("rep viewer", "visitors"), ("stream and rep", "visitors"),
            ("site and rep", "visitors"), ("group", "visitors"),
            ("rep in group", "visitors"), ("group two", "visitors"),
            ("site and group two", "visitors"), ("stream b and group two", "visitors")} <= used
    # a stream's or a rule's reps and chats from the facet days, a rule's visitors from
    # the rule visitor and company days
    assert {(name, section) for name in ("stream", "stream b", "rule", "rule one",
                                         "site and rule", "stream b and site")
            for section in ("reps", "conversations")} <= used
    assert {("rule", "visitors"), ("rule one", "visitors"), ("site and rule", "visitors"),
            ("stream and rule", "visitors"), ("rule and rep", "reps"),
            ("rule one and group two", "conversations")} <= used


def test_a_reps_rows_hold_their_visitor_days(world):
    from sqlalchemy import func, select

    from liveapp.extensions import db
    from liveapp.models.report_days import ANY_STREAM, RepCompanyDay, RepVisitorDay

    _build(TZ)
    day = RepVisitorDay.day
    assert db.session.execute(
        select(RepVisitorDay.rep_id, day, func.sum(RepVisitorDay.visitors))
        .where(RepVisitorDay.stream_id == ANY_STREAM)
        .group_by(RepVisitorDay.rep_id, day).order_by(RepVisitorDay.rep_id, day)).all() == [
        (world.alice.id, START, 2), (world.alice.id, END, 1),
        (world.bob.id, START, 1), (world.bob.id, END, 2)]
    assert set(db.session.execute(
        select(RepCompanyDay.rep_id, RepCompanyDay.day, RepCompanyDay.company_domain,
               RepCompanyDay.visitors).where(RepCompanyDay.stream_id == ANY_STREAM))) == {
        (world.alice.id, START, "acme.com", 2), (world.alice.id, END, "acme.com", 1),
        (world.bob.id, START, "acme.com", 1), (world.bob.id, END, "acme.com", 1),
        (world.bob.id, END, "beta.io", 1)}


def test_a_groups_rows_hold_its_visitor_days_each_visitor_once(world):
    from sqlalchemy import func, select

    from liveapp.extensions import db
    from liveapp.models.report_days import ANY_STREAM, GroupCompanyDay, GroupVisitorDay

    _build(TZ)
    day = GroupVisitorDay.day
    # Group Two: Alice's v1, v3 and Bob's v3 on the 28th; Alice's v4, Bob's v4 and v2 on
    # the 29th: 2 and 2, not the members' 3 and 3. Group One (Alice alone): her rows.
    assert db.session.execute(
        select(GroupVisitorDay.group_id, day, func.sum(GroupVisitorDay.visitors))
        .where(GroupVisitorDay.stream_id == ANY_STREAM)
        .group_by(GroupVisitorDay.group_id, day).order_by(GroupVisitorDay.group_id, day)
    ).all() == [(world.g2, START, 2), (world.g2, END, 2)]
    assert set(db.session.execute(
        select(GroupCompanyDay.day, GroupCompanyDay.company_domain, GroupCompanyDay.visitors)
        .where(GroupCompanyDay.stream_id == ANY_STREAM,
               GroupCompanyDay.group_id == world.g2))) == {
        (START, "acme.com", 2), (END, "acme.com", 1), (END, "beta.io", 1)}


def test_a_range_with_a_day_not_built_reads_live_and_asks_for_nothing_new(world):
    _build(TZ, START, START)  # the 29th is missing
    assert not from_rollups.usable("visitors", world.filters())
    _build(TZ, END, END)
    assert from_rollups.usable("visitors", world.filters())


def test_a_zone_without_rollups_is_asked_for(world):
    redis.client.delete(asked_key())
    assert not from_rollups.usable("routing", world.filters(tz="America/Denver"))
    assert redis.client.smembers(asked_key()) == {b"America/Denver"}


def test_the_rollup_tables_say_so(world):
    _build(TZ)
    tables = reports.report("routing", world.filters())
    assert all(from_rollups.NOTE in (t.note or "").lower() for t in tables)
    assert not any(from_rollups.NOTE in (t.note or "")
                   for t in reports.report("routing", world.filters(rep_id=world.bob.id)))


def test_days_before_the_oldest_history_are_empty_not_missing(world):
    """A range reaching back before anything was recorded (a new install, the demo's
    first weeks) reads the rollups once the days since the oldest history are built."""
    from datetime import timedelta

    from liveapp.services.reports.days import local_day
    from liveapp.services.reports.rollup_runs import oldest_history

    first = local_day(oldest_history(), TZ)
    early = world.filters(start=first - timedelta(days=20))
    _build(TZ, first + timedelta(days=1), END)  # the oldest day itself is missing
    assert not from_rollups.usable("visitors", early)
    _build(TZ, first, first)
    assert from_rollups.usable("visitors", early)
    for section in reports.SECTIONS:
        assert _rows(from_rollups.section(section, early)) == _rows(
            reports.live(section, early)), section


def test_groups_read_a_few_per_query_give_the_same_rows(world, monkeypatch):
    from sqlalchemy import select

    from liveapp.extensions import db
    from liveapp.models.report_days import GroupCompanyDay, GroupVisitorDay
    from liveapp.services.reports import rollup
    from tests.factories import GroupFactory

    three = GroupFactory(name="Group Three", members=[world.bob, world.admin]).id

    def rows() -> set:
        return {tuple(r) for model, key in ((GroupVisitorDay, GroupVisitorDay.identified),
                                            (GroupCompanyDay, GroupCompanyDay.company_domain))
                for r in db.session.execute(select(model.group_id, model.day, model.site_id,
                                                   model.stream_id, key, model.visitors))}

    _build(TZ)
    together = rows()
    assert {r[0] for r in together} == {world.g2, three}
    monkeypatch.setattr(rollup, "MAX_GROUPS_READ", 1)
    _build(TZ)
    assert rows() == together


@pytest.mark.parametrize("zone", ZONES)
def test_stream_and_rule_filters_count_chats_on_the_days_of_the_visitor(world, zone):
    """A visitor in another stream, and routed by another rule, on a day next to their
    chats: live and rollups keep the chats of that day only."""
    from liveapp.extensions import db
    from liveapp.models.history import RoutingRecord, VisitorHour
    from tests.reports.conftest import at

    db.session.add_all([
        VisitorHour(visitor_id="v3", site_id=world.s1, hour=at("29 08:00"),
                    stream_id=world.b, identified=False),
        RoutingRecord(decided_at=at("29 08:00"), visitor_id="v1", site_id=world.s1,
                      stream_id=world.a, trigger="inbound", rule_id=world.r2,
                      rule_name="Rule Two", outcome="queue", owner_known=False,
                      owner_routed=False)])
    db.session.commit()
    _build(zone, date(2026, 3, 27), date(2026, 3, 30))
    for kwargs in ({"stream_id": world.b}, {"rule_id": world.r2},
                   {"rule_id": world.r2, "group_id": world.g2}):
        filters = world.filters(tz=zone, **kwargs)
        for section in reports.SECTIONS:
            # a group's visitors of a rule and its routing: no rows keep both (history)
            mixed = section in ("visitors", "routing") and "group_id" in kwargs
            assert from_rollups.usable(section, filters) is not mixed, (kwargs, section)
            assert _rows(reports.report(section, filters)) == _rows(
                reports.live(section, filters)), (kwargs, section)
