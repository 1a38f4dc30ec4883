"""The Reports page and its CSV downloads: who sees what, bad filters, the charts and
tables drawn from a section's tables, escaping, and the CSV's header, quoting and
formula-injection guard. The section's tables here are hand-made (the figures behind them
are tested with the queries in tests/reports/ on hand-built rows)."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from liveapp.services import reports
from liveapp.services.reports import Table
from tests.factories import GroupFactory

PER_DAY = Table(key="visitors_per_day", section="visitors", title="Visitors per day",
                columns=("Day", "Visitors", "Identified"),
                rows=[(date(2026, 11, 1), 12, 5), (date(2026, 11, 2), 7, None)],
                chart="line", x=0, series=(1, 2), note="Days in UTC")
COMPANIES = Table(key="top_companies", section="visitors", title="Top companies",
                  columns=("Company", "Visitors"),
                  rows=[("=HYPERLINK(\"http://evil.example\",\"x\")", 3),
                        ("<script>alert(1)</script> Müller GmbH, \"Ltd\"", 2)],
                  chart="hbar", x=0, series=(1,))
NOTHING = Table(key="identified_share", section="visitors", title="Identified share",
                columns=("Day", "Share"), rows=[], chart="line", series=(1,), unit="%")


@pytest.fixture
def tables(monkeypatch):
    """The visitors section is PER_DAY, COMPANIES and NOTHING; each table's CSV is itself;
    returns the filters each call was given."""
    given = []

    def report(section, filters):
        given.append(filters)
        return [PER_DAY, COMPANIES, NOTHING] if section == "visitors" else []

    def table(key, filters):
        given.append(filters)
        return {t.key: t for t in (PER_DAY, COMPANIES, NOTHING)}[key]

    monkeypatch.setattr(reports, "report", report)
    monkeypatch.setattr(reports, "table", table)
    return given


ARGS = "from=2026-11-01&to=2026-11-02&tz=Europe/Berlin"


def test_signed_out_goes_to_sign_in(browser):
    for path in ("/reports/", f"/reports/visitors_per_day.csv?{ARGS}"):
        answer = browser.get(path)
        assert answer.status_code == 302 and "/auth/login" in answer.headers["Location"]


def test_the_nav_links_to_reports_for_admins_and_reps(as_admin, browser, rep):
    assert 'href="/reports/"' in as_admin.get("/").get_data(as_text=True)
    browser.post("/auth/logout", {})
    browser.login(rep.email)
    assert 'href="/reports/"' in browser.get("/").get_data(as_text=True)


def test_an_admin_sees_the_charts_tables_and_csv_links_with_the_filters(as_admin, tables):
    answer = as_admin.get(f"/reports/?{ARGS}")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert tables[0].start == date(2026, 11, 1) and tables[0].tz == "Europe/Berlin"
    assert tables[0].rep_id is None
    # Each drawn table: an SVG with its name, the legend, the table, the CSV link.
    assert html.count('role="img"') == 2
    assert 'aria-label="Visitors per day. Line chart of Visitors, Identified by day' in html
    assert "<li>" in html and "Identified</li>" in html
    assert '<th scope="row">2026-11-01</th><td class="num">12</td><td class="num">5</td>' in html
    assert ('href="/reports/visitors_per_day.csv?from=2026-11-01&amp;to=2026-11-02'
            '&amp;tz=Europe/Berlin"') in html
    assert "Days in UTC" in html
    # The empty table says so instead of drawing an empty chart.
    empty = html.split('id="report-identified_share"')[1]
    assert "No data for these filters." in empty and "<svg" not in empty.split("</section>")[0]
    # The form shows the filters in force, and the section tabs carry them.
    assert 'name="from" value="2026-11-01"' in html
    assert '<option value="Europe/Berlin" selected>' in html
    assert 'href="/reports/?section=routing&amp;from=2026-11-01' in html


def test_visitors_text_is_escaped_in_the_chart_and_the_table(as_admin, tables):
    html = as_admin.get(f"/reports/?{ARGS}").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Müller GmbH" in html


def test_the_forms_empty_choices_leave_the_url(as_admin, tables):
    answer = as_admin.get(f"/reports/?section=routing&{ARGS}&site=&stream=&rule=&rep=&group=")
    assert answer.status_code == 302
    assert answer.headers["Location"] == f"/reports/?section=routing&{ARGS}"


def test_a_rep_sees_their_own_figures_and_no_rep_select(as_rep, rep, tables):
    GroupFactory(name="Mine", members=[rep])
    GroupFactory(name="Theirs")
    html = as_rep.get(f"/reports/?{ARGS}").get_data(as_text=True)
    assert tables[0].rep_id == rep.id
    assert 'name="rep"' not in html
    assert ">Mine</option>" in html and ">Theirs</option>" not in html
    assert "your own figures" in html


def test_a_rep_asking_for_another_reps_figures_gets_403(as_rep, make_user, tables):
    other = make_user(role="rep")
    for path in (f"/reports/?{ARGS}&rep={other.id}",
                 f"/reports/visitors_per_day.csv?{ARGS}&rep={other.id}"):
        assert as_rep.get(path).status_code == 403
    assert tables == []


@pytest.mark.parametrize("args, says", [
    ("from=2026-13-01", "from"),
    ("to=yesterday", "to"),
    ("site=abc", "site"),
    ("section=money", "section"),
])
def test_a_bad_filter_answers_400_saying_which_and_why(as_admin, tables, args, says):
    answer = as_admin.get(f"/reports/?{args}")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert 'role="alert"' in html and says in html.split('role="alert">')[1].split("</p>")[0]
    assert 'role="img"' not in html and tables == []
    if says != "section":  # a CSV is one table: no section
        assert as_admin.get(f"/reports/visitors_per_day.csv?{args}").status_code == 400


def test_a_bad_filter_on_a_csv_answers_400(as_admin, tables):
    answer = as_admin.get("/reports/visitors_per_day.csv?from=2026-02-30")
    assert answer.status_code == 400 and "from" in answer.get_data(as_text=True)


def test_an_unknown_table_is_404(as_admin, tables):
    assert as_admin.get(f"/reports/no_such_table.csv?{ARGS}").status_code == 404


def _csv(answer) -> list[list[str]]:
    body = answer.get_data()
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM, for spreadsheets
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def test_the_csv_has_the_header_iso_days_and_empty_cells_for_no_figure(as_admin, tables):
    answer = as_admin.get(f"/reports/visitors_per_day.csv?{ARGS}")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert answer.headers["Content-Disposition"] == (
        'attachment; filename="visitors_per_day_2026-11-01_2026-11-02.csv"')
    assert _csv(answer) == [["Day", "Visitors", "Identified"], ["2026-11-01", "12", "5"],
                            ["2026-11-02", "7", ""]]
    assert b"\r\n" in answer.get_data()


def test_the_csv_quotes_and_defuses_formulas_from_visitors(as_admin, tables):
    rows = _csv(as_admin.get(f"/reports/top_companies.csv?{ARGS}"))
    assert rows[1] == ["'=HYPERLINK(\"http://evil.example\",\"x\")", "3"]
    assert rows[2] == ["<script>alert(1)</script> Müller GmbH, \"Ltd\"", "2"]
