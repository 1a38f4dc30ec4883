"""Scenario: Settings → Status on the demo's own processes (web, worker, pipeline, CRM
sandbox, as `make demo` runs them): with visitors on the site and the team at their
boards its figures are live, and they come from every process (the CRM look-ups are the
worker's counters, read by the web process through the multiprocess folders)."""

from __future__ import annotations

import re

import redis
from rq import Queue

from liveapp.demo.seeding import DEMO_USERS
from tests.scenarios.people import eventually
from tests.scenarios.test_crm_routing import contacts_owned_by

DEV = next(user.email for user in DEMO_USERS if user.email.startswith("dev@"))


def figures(page: str) -> dict[str, int]:
    """The top figures of the Status page or its fragment (counts only), and CRM rows."""
    top = page[:page.index('id="status-queues"')]
    found = {k: int(v) for k, v in re.findall(r'data-figure="(\w+)">(\d+)<', top)}
    for service, answered in re.findall(
            r'data-service="(\w+)"><td>\w+</td><td data-figure="answered">(\d+)<', page):
        found[f"crm_{service}"] = int(answered)
    return found


def test_the_status_page_shows_live_figures_of_the_demos_processes(stack, team, visitor):
    admin = team["admin"]
    assert 'href="/settings/status/"' in admin.page("/")  # beside Jobs in the nav
    assert 'href="/settings/jobs/"' in admin.page("/")
    page = admin.page("/settings/status/")
    assert 'hx-trigger="every 3s"' in page
    start = figures(page)
    assert start["streams_rep"] >= len(team) - 1 and start["streams_admin"] >= 1

    people = [visitor() for _ in range(3)]
    for person in people:
        person.page_view("pricing")
    people[0].identify(contacts_owned_by(DEV)[0], form="contact")

    def live() -> dict[str, int] | None:
        now = figures(admin.page("/settings/status/figures"))
        return now if now["visitors_live"] >= 3 and now.get("crm_salesforce", 0) >= 1 \
            else None

    now = eventually(live, 20, "3 live visitors and a Salesforce look-up on Status",
                     show=lambda: figures(admin.page("/settings/status/figures")))
    assert now["streams_rep"] == start["streams_rep"]

    # A job that fails on the demo's worker shows as a failed job.
    default = Queue(stack.env["LIVEAPP_REDIS_PREFIX"] + "default",
                    connection=redis.Redis.from_url(stack.env["REDIS_URL"]), serializer="json")
    default.enqueue("jobs.no_such_module.run")
    eventually(lambda: figures(admin.page("/settings/status/figures"))["failed_jobs"]
               > start["failed_jobs"], 15, "the failed job on Status")
    jobs = admin.http.get(f"/settings/jobs/0/data/jobs/{default.name}/failed/8/asc/1.json")
    assert jobs.status_code == 200 and jobs.json()["jobs"]
    # Settings → Jobs: liveapp's queues with the failed job counted, the demo's worker.
    assert "RQ" in admin.page("/settings/jobs/")
    queues = {q["name"]: q for q in
              admin.http.get("/settings/jobs/0/data/queues.json").json()["queues"]}
    prefix = stack.env["LIVEAPP_REDIS_PREFIX"]
    assert {prefix + name for name in ("high", "default", "low")} <= queues.keys()
    assert queues[default.name]["failed_job_registry_count"] >= 1
    workers = admin.http.get("/settings/jobs/0/data/workers.json").json()["workers"]
    assert any(set(worker["queues"]) >= {prefix + "high", default.name} for worker in workers)
