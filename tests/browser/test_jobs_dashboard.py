"""Settings → Jobs in a real browser: rq-dashboard's script on liveapp's copies of its
templates (templates/rq_dashboard/). An admin requeues a failed job from the failed list
(the script sends the CSRF token) and deletes one through its confirmation dialog; the
pages fit a 375 px phone."""

from __future__ import annotations

import pytest
from rq.registry import FailedJobRegistry

from liveapp.extensions import queue
from tests.browser.helpers import axe_problems, eventually, record_console, sign_in

pytestmark = pytest.mark.browser


def test_the_admin_requeues_a_failed_job_from_the_list(page, live_server, admin, failed_job):
    console = record_console(page)
    sign_in(page, live_server, admin.email)
    page.goto(f"{live_server}/settings/jobs/0/view/jobs/{failed_job.origin}/failed/8/asc/1")
    row = page.locator(f'tr[data-job-id="{failed_job.id}"]')
    assert "ValueError: the CRM refused order 42" in row.locator(".exc_info").inner_text()
    row.get_by_role("link", name="Requeue").click()
    row.wait_for(state="detached")
    assert eventually(lambda: failed_job.id in queue("default").job_ids)
    assert console == []


def test_the_admin_deletes_a_failed_job_once_confirmed(page, live_server, admin, failed_job):
    console = record_console(page)
    sign_in(page, live_server, admin.email)
    page.goto(f"{live_server}/settings/jobs/0/view/job/{failed_job.id}")
    page.get_by_role("button", name="Delete").click()
    dialog = page.locator("#confirmation-modal")
    dialog.get_by_text("Do you really want to delete job?").wait_for()
    page.wait_for_timeout(400)  # the dialog's fade
    assert axe_problems(page, "the confirmation dialog") == []
    dialog.get_by_role("button", name="Yes").click()
    assert eventually(lambda: failed_job.id not in FailedJobRegistry(
        queue=queue("default")).get_job_ids())
    assert console == []


def test_the_pages_fit_a_phone(page, live_server, admin, failed_job):
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, live_server, admin.email)
    jobs = f"{live_server}/settings/jobs/0/view"
    for url in (f"{live_server}/settings/jobs/", f"{jobs}/workers", f"{jobs}/job/{failed_job.id}",
                f"{jobs}/jobs/{failed_job.origin}/failed/8/asc/1"):
        page.goto(url)
        page.wait_for_load_state("networkidle")  # the script has filled the page in
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{url}: {width} px wide"
