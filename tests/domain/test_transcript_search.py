"""Transcript search's pure rules: reading the filters, days in a time zone as UTC
ranges (across a daylight-saving change), and snippets split at the search's markers."""

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liveapp.domain.transcript_search import (
    BadFilter,
    Filters,
    Part,
    highlighted,
    new_markers,
    parse,
    utc_range,
)


def test_filters_are_read_trimmed_and_go_back_into_the_url():
    filters = parse({"q": "  SSO pricing ", "company": "Acme", "rep": "7",
                     "from": "2026-03-01", "to": "2026-03-31", "page": "2"})
    assert filters == Filters(text="SSO pricing", company="Acme", rep_id=7,
                              date_from=date(2026, 3, 1), date_to=date(2026, 3, 31), page=2)
    assert filters.words == ["SSO", "pricing"]
    assert filters.query_args() == {"q": "SSO pricing", "company": "Acme", "rep": "7",
                                    "from": "2026-03-01", "to": "2026-03-31"}
    assert parse({}) == Filters() and not Filters().given


@pytest.mark.parametrize("args", [
    {"from": "2026-02-30"}, {"to": "20260301"}, {"from": "٢٠٢٦-٠٣-٠١"}, {"page": "0"},
    {"page": "1e3"}, {"rep": "99999999999"}, {"visitor": "v" * 201},
    {"from": "2026-03-02", "to": "2026-03-01"},
])
def test_bad_filters_are_refused(args):
    with pytest.raises(BadFilter):
        parse(args)


def test_days_are_the_users_days_across_a_clock_change():
    # Paris moved from UTC+1 to UTC+2 on 2026-03-29.
    filters = Filters(date_from=date(2026, 3, 28), date_to=date(2026, 3, 29))
    assert utc_range(filters, "Europe/Paris") == (datetime(2026, 3, 27, 23, 0),
                                                  datetime(2026, 3, 29, 22, 0))
    assert utc_range(filters, "Not/AZone") == (datetime(2026, 3, 28), datetime(2026, 3, 30))
    assert utc_range(Filters(), "UTC") == (None, None)


def test_only_the_searchs_own_markers_make_hits():
    markers = new_markers()
    snippet = (f"…ask about {markers.start}pricing{markers.end} and "
               "\ue000fake\ue001 <b>x</b>")
    assert highlighted(snippet, markers) == [
        Part("…ask about ", False), Part("pricing", True),
        Part(" and \ue000fake\ue001 <b>x</b>", False)]
    assert new_markers() != markers


@given(st.text())
def test_highlighting_keeps_every_character_of_text_without_markers(text):
    markers = new_markers()
    assert "".join(p.text for p in highlighted(text, markers)) == text
