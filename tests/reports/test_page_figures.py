"""The Reports page and CSVs on the hand-built history of tests/reports/conftest.py, on
whichever backend the run uses: each section renders every table with the figures the
queries give, a rep's page holds their own figures only, and a company name a visitor
brought comes out escaped in the page and defused in the CSV."""

from __future__ import annotations

import csv
import io
import re

import pytest

from liveapp.extensions import db
from liveapp.models.history import VisitorHour
from liveapp.services import reports
from liveapp.services.reports.rollup_runs import rebuild
from tests.reports.conftest import END, START, at

ARGS = "from=2026-03-28&to=2026-03-29&tz=Europe/Berlin"


@pytest.fixture
def as_(browser):
    def sign_in(user):
        browser.login(user.email)
        return browser
    return sign_in


def _table(html: str, key: str) -> list[list[str]]:
    """The cells of a table on the page, row by row (header cells included)."""
    body = html.split(f'id="{key}-table"')[1].split("</table>")[0]
    return [[re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


@pytest.mark.parametrize("section", reports.SECTIONS)
def test_each_section_draws_each_of_its_tables(world, as_, section):
    html = as_(world.admin).get(f"/reports/?section={section}&{ARGS}").get_data(as_text=True)
    tables = reports.report(section, world.filters())
    for table in tables:
        assert f'id="{table.key}-table"' in html, table.key
        assert len(_table(html, table.key)) == len(table.rows) + 1
        drawn = f'data-key="{table.key}"' in html
        assert drawn == (table.chart != "none"), table.key
        assert f'href="/reports/{table.key}.csv?{ARGS.replace("&", "&amp;")}"' in html


def test_the_visitors_per_day_table_holds_the_figures(world, as_):
    html = as_(world.admin).get(f"/reports/?{ARGS}").get_data(as_text=True)
    assert _table(html, "visitors_per_day") == [
        ["Day", "Visitors", "Identified", "Identified %"],
        ["2026-03-28", "2", "1", "50"], ["2026-03-29", "3", "2", "66.7"]]


def test_a_reps_page_shows_only_their_own_rows(world, as_):
    html = as_(world.alice).get(f"/reports/?section=reps&{ARGS}").get_data(as_text=True)
    assert [row[0] for row in _table(html, "reps")[1:]] == ["Alice"]
    assert "Bob" not in html


def test_a_rep_asking_for_a_group_they_are_not_in_gets_403(world, as_):
    answer = as_(world.bob).get(f"/reports/?{ARGS}&group={world.g1}")
    assert answer.status_code == 403 and "group" in answer.get_data(as_text=True)


def test_a_filter_naming_nothing_is_400(world, as_):
    answer = as_(world.admin).get(f"/reports/?{ARGS}&stream=999999")
    assert answer.status_code == 400
    assert "stream: there is no stream 999999" in answer.get_data(as_text=True)


def test_a_visitors_company_name_is_escaped_and_defused(world, as_):
    db.session.add(VisitorHour(visitor_id="v3", site_id=world.s1, hour=at("29 10:00"),
                               stream_id=world.b, company_domain="evil.example",
                               company_name='=cmd|" /C calc"!A0 <img src=x onerror=alert(1)>'))
    db.session.commit()
    client = as_(world.admin)
    html = client.get(f"/reports/?{ARGS}").get_data(as_text=True)
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    answer = client.get(f"/reports/top_companies.csv?{ARGS}")
    rows = list(csv.reader(io.StringIO(answer.get_data().decode("utf-8-sig"), newline="")))
    assert rows[0] == ["Company", "Domain", "Visitor-days", "Target account"]
    assert ["'=cmd|\" /C calc\"!A0 <img src=x onerror=alert(1)>", "evil.example", "1",
            "no"] in rows
    assert answer.headers["Content-Disposition"] == (
        'attachment; filename="top_companies_2026-03-28_2026-03-29.csv"')


def test_from_the_rollups_the_page_and_csv_hold_the_same_figures_and_say_so(world, as_):
    client = as_(world.admin)
    live_html = client.get(f"/reports/?{ARGS}").get_data(as_text=True)
    live_csv = client.get(f"/reports/top_companies.csv?{ARGS}").get_data()
    assert "up to a minute old" not in live_html
    rebuild("Europe/Berlin", [START, END])
    html = client.get(f"/reports/?{ARGS}").get_data(as_text=True)
    assert "from the daily rollup, up to a minute old" in html
    assert _table(html, "visitors_per_day") == _table(live_html, "visitors_per_day")
    assert client.get(f"/reports/top_companies.csv?{ARGS}").get_data() == live_csv


def test_a_groups_visitors_read_live_after_its_members_change_until_rebuilt(world, as_):
    """Group Two's members changed on its settings page: its visitors page counts the
    members now (Bob's and Ada's: Bob's figures), from the history, then from the rollups
    once the job has rebuilt the group's days."""
    from datetime import datetime

    from liveapp.services.reports import rollup_runs

    client = as_(world.admin)
    page = f"/reports/?{ARGS}&group={world.g2}"
    rebuild("Europe/Berlin", [START, END])
    before = client.get(page).get_data(as_text=True)
    assert "from the daily rollup, up to a minute old" in before
    answer = client.post(f"/settings/groups/{world.g2}",
                         {"name": "Group Two", "members": [world.bob.id, world.admin.id]})
    assert answer.status_code == 303
    html = client.get(page).get_data(as_text=True)
    assert "up to a minute old" not in html
    bobs = client.get(f"/reports/?{ARGS}&rep={world.bob.id}").get_data(as_text=True)
    assert _table(html, "visitors_per_day") == _table(bobs, "visitors_per_day") != _table(
        before, "visitors_per_day")
    rollup_runs.run(now=datetime(2026, 4, 2, 12))
    again = client.get(page).get_data(as_text=True)
    assert "from the daily rollup, up to a minute old" in again
    assert _table(again, "visitors_per_day") == _table(html, "visitors_per_day")
