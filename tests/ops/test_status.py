"""Settings → Status: admins only, beside Jobs in the nav; its figures are /metrics' own
(liveapp.figures) and move as visitors arrive, events wait and jobs fail."""

from __future__ import annotations

import re

from tests.ops.scrape import value

PAGES = ["/settings/status/", "/settings/status/figures"]


def figures(response) -> dict[str, str]:
    """The page's top figures by name (data-figure), and each queue's as queue:<name>."""
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    top = html[:html.index('id="status-queues"')]
    found = dict(re.findall(r'data-figure="(\w+)">([^<]*)<', top))
    for name, waiting, failed in re.findall(
            r'data-queue="([^"]+)"><td>[^<]*</td><td data-figure="waiting">(\d+)</td>'
            r'<td data-figure="failed">(\d+)</td>', html):
        found[f"queue:{name}"] = f"{waiting}/{failed}"
    return found


def test_admins_only(app, as_rep):
    """A rep: 403; anonymous: the sign-in page (tests/test_access.py walks them too)."""
    anonymous = app.test_client()
    for path in PAGES:
        assert as_rep.get(path).status_code == 403
        response = anonymous.get(path)
        assert response.status_code == 302
        assert "/auth/login?next=" in response.headers["Location"]


def test_status_is_beside_jobs_in_the_settings_nav_and_polls(as_admin):
    page = as_admin.get("/settings/status/").get_data(as_text=True)
    nav = page[page.index('data-nav="settings"'):page.index("</nav>")]
    assert nav.index('href="/settings/jobs/"') < nav.index('href="/settings/status/"')
    assert 'href="/settings/status/" aria-current="page"' in nav
    assert 'hx-get="/settings/status/figures" hx-trigger="every 3s"' in page
    fragment = as_admin.get("/settings/status/figures").get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="status-figures"')  # no page around it
    assert "<html" not in fragment


def test_the_figures_move_with_visitors_waiting_events_and_a_failed_job(
        app, as_admin, api):
    from liveapp.extensions import queue

    default = queue("default").name
    start = figures(as_admin.get("/settings/status/figures"))
    assert start["visitors_live"] == "0" and start["failed_jobs"] == "0"
    assert start["pipeline_waiting"] == "0" and start[f"queue:{default}"] == "0/0"
    assert api.send().status_code == 202
    assert api.send().status_code == 202
    app.extensions["test_drain"].enabled = False
    try:
        assert api.send().status_code == 202  # a third visitor, not recorded yet
        queue("default").enqueue("tests.ops.failed_jobs.explode", 7)
        waiting = figures(as_admin.get("/settings/status/figures"))
        assert waiting["visitors_live"] == "3"
        assert waiting["pipeline_waiting"] == "1"
        assert waiting[f"queue:{default}"] == "1/0"
    finally:
        app.extensions["test_drain"].enabled = True


def test_a_failed_job_shows_and_the_figures_are_metrics_own(as_admin, api, scrape,
                                                            failed_job):
    from liveapp.extensions import queue

    default = queue("default").name
    assert api.send().status_code == 202
    shown = figures(as_admin.get("/settings/status/"))
    scraped = scrape()
    assert shown["failed_jobs"] == "1" and shown[f"queue:{default}"] == "0/1"
    assert value(scraped, "liveapp_queue_jobs_failed", queue=default) == 1
    assert value(scraped, "liveapp_queue_jobs_waiting", queue=default) == 0
    assert shown["visitors_live"] == "1" == str(int(value(scraped, "liveapp_visitors_live")))
    for kind in ("rep", "admin", "visitor"):
        assert shown[f"streams_{kind}"] == str(
            int(value(scraped, "liveapp_sse_streams_open", kind=kind)))
