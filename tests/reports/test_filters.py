"""parse_filters: URL arguments to Filters, the defaults, a rep held to their own figures,
and a clear BadFilter for each kind of bad argument."""

from __future__ import annotations

from datetime import date

import pytest

from liveapp.services.reports import BadFilter, Filters, NotAllowed, parse_filters

TODAY = date(2026, 3, 29)


def parse(world, viewer=None, **args):
    return parse_filters(args, viewer or world.admin, today=TODAY)


def test_defaults_are_the_last_30_days_in_the_viewers_zone(world):
    world.admin.time_zone = "America/New_York"
    assert parse(world) == Filters(start=date(2026, 2, 28), end=TODAY, tz="America/New_York")


def test_every_argument_is_read_and_given_back(world):
    args = {"from": "2026-03-01", "to": "2026-03-29", "tz": "Asia/Kolkata",
            "site": str(world.s1), "stream": str(world.a), "rule": str(world.r1),
            "rep": str(world.bob.id), "group": str(world.g2)}
    filters = parse(world, **args)
    assert filters == Filters(date(2026, 3, 1), TODAY, "Asia/Kolkata", world.s1, world.a,
                              world.r1, world.bob.id, world.g2)
    assert filters.query_args() == args
    assert parse_filters(filters.query_args(), world.admin) == filters


def test_a_rep_is_held_to_their_own_figures(world):
    assert parse(world, world.alice).rep_id == world.alice.id
    assert parse(world, world.alice, group=str(world.g1)).group_id == world.g1
    assert parse(world, world.alice, rep=str(world.alice.id)).rep_id == world.alice.id
    with pytest.raises(NotAllowed, match="rep: a rep sees only their own"):
        parse(world, world.alice, rep=str(world.bob.id))
    with pytest.raises(NotAllowed, match="group"):
        parse(world, world.bob, group=str(world.g1))


@pytest.mark.parametrize("args, message", [
    ({"from": "2026-02-30"}, "from: '2026-02-30' is not a date"),
    ({"to": "yesterday"}, "to: 'yesterday' is not a date"),
    ({"from": "2026-03-29", "to": "2026-03-28"}, "from (2026-03-29) is after to (2026-03-28)"),
    ({"from": "2025-03-28", "to": "2026-03-29"}, "the range is 367 days; at most 366"),
    ({"tz": "Mars/Olympus"}, "tz: unknown time zone 'Mars/Olympus'"),
    ({"tz": "../etc/passwd"}, "tz: unknown time zone"),
    ({"site": "one"}, "site: 'one' is not a site id"),
    ({"stream": "-1"}, "stream: '-1' is not a stream id"),
    ({"rule": "1.5"}, "rule: '1.5' is not a routing rule id"),
    ({"rep": "99999"}, "rep: there is no rep 99999"),
    ({"group": "99999"}, "group: there is no group 99999"),
    ({"site": "99999999999999999999"}, "site: '99999999999999999999' is not a site id"),
])
def test_bad_filters_say_which_and_why(world, args, message):
    with pytest.raises(BadFilter, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse(world, **args)


def test_366_days_is_the_longest_range(world):
    assert parse(world, **{"from": "2025-03-29", "to": "2026-03-29"}).day_count == 366
