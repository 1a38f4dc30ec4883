"""The Reports page in a real browser, on the hand-built history of tests/reports/: opened
with its filters in the URL, a chart's table read back with its figures, the charts there
as labelled SVG, the filter form applied, the section tabs keeping the filters; no console
error, axe-core clean, fitting 1440 px and 375 px screens (screenshots under tmp_path)."""

from __future__ import annotations

import pytest

from tests.browser.helpers import axe_problems, record_console, sign_in
from tests.browser.test_screens import DESKTOP, PHONE, page_width
from tests.reports.conftest import world  # noqa: F401 (the hand-built history)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120),
              pytest.mark.usefixtures("streams_end_with_the_test")]
ARGS = "from=2026-03-28&to=2026-03-29&tz=Europe/Berlin"
READ_TABLE = """key => [...document.querySelectorAll(`#${key}-table tr`)].map(
    tr => [...tr.children].map(cell => cell.textContent.trim()))"""


def test_an_admin_reads_a_charts_table_with_the_filters_from_the_url(
        page, live_server, world, tmp_path):  # noqa: F811
    console = record_console(page)
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server, world.admin.email)
    page.goto(f"{live_server}/reports/?section=visitors&{ARGS}")
    assert page.evaluate(READ_TABLE, "visitors_per_day") == [
        ["Day", "Visitors", "Identified", "Identified %"],
        ["2026-03-28", "2", "1", "50"], ["2026-03-29", "3", "2", "66.7"]]
    chart = page.locator('svg[data-key="visitors_per_day"]')
    assert chart.get_attribute("role") == "img"
    label = chart.get_attribute("aria-label")
    assert label.startswith("Visitors per day. Line chart of Visitors, Identified by day")
    assert "Highest Visitors: 3 (29 Mar)" in label
    assert chart.locator("polyline").count() == 2 and chart.locator("circle").count() == 4
    assert chart.bounding_box()["width"] == 800
    legend = page.locator("#report-visitors_per_day .legend li")
    assert legend.all_inner_texts() == ["Visitors", "Identified"]
    assert page.locator('select[name="tz"]').input_value() == "Europe/Berlin"
    assert page_width(page) <= DESKTOP["width"]
    page.screenshot(path=str(tmp_path / "reports-1440.png"), full_page=True)
    problems = axe_problems(page, "/reports/ (visitors)")

    # The filter form: a site narrows; the URL carries it; the tabs keep it.
    page.select_option('select[name="site"]', label="Docs")
    page.click(".report-filters button[type=submit]")
    page.wait_for_load_state("load")
    assert f"site={world.s2}" in page.url and "tz=Europe/Berlin" in page.url
    assert "stream=" not in page.url  # "All streams" leaves the shared URL
    assert page.evaluate(READ_TABLE, "visitors_per_day")[1:] == [
        ["2026-03-28", "0", "0", "–"], ["2026-03-29", "1", "1", "100"]]
    page.click(".report-tabs >> text=Routing")
    page.wait_for_load_state("load")
    assert "section=routing" in page.url and f"site={world.s2}" in page.url
    assert page.locator(".report-tabs [aria-current=page]").inner_text() == "Routing"
    assert page.locator('svg[data-key="skip_reasons"] rect').count() == 2
    page.screenshot(path=str(tmp_path / "reports-1440-routing.png"), full_page=True)
    problems += axe_problems(page, "/reports/ (routing, one site)")

    page.set_viewport_size(PHONE)
    for section in ("visitors", "reps"):
        page.goto(f"{live_server}/reports/?section={section}&{ARGS}")
        page.screenshot(path=str(tmp_path / f"reports-375-{section}.png"), full_page=True)
        assert page_width(page) <= PHONE["width"], section
    assert console == [] and problems == []


def test_a_rep_sees_their_own_figures_and_no_rep_filter(page, live_server, world):  # noqa: F811
    console = record_console(page)
    sign_in(page, live_server, world.bob.email)
    page.click("nav.mainnav >> text=Reports")
    page.wait_for_load_state("load")
    page.goto(f"{live_server}/reports/?section=reps&{ARGS}")
    assert page.locator('select[name="rep"]').count() == 0
    assert [row[0] for row in page.evaluate(READ_TABLE, "reps")[1:]] == ["Bob"]
    assert page.locator('select[name="group"] option').all_inner_texts() == [
        "All my figures", "Group Two"]
    answer = page.goto(f"{live_server}/reports/?{ARGS}&rep={world.alice.id}")
    assert answer.status == 403
    assert [c for c in console if "403" not in c] == []
