"""A worker `kill -9`ed in the middle of a job (a CRM look-up, its CRM answering 5 s
late) and another started, as a supervisor would: the abandoned job is retried (RQ's
abandoned-job handling, run as soon as the worker is known dead), the visitor is still
routed to their owner, and routing offers them once."""

from __future__ import annotations

import redis as redis_client
from rq.job import Job

from tests.reliability.conftest import kill_process, start_process
from tests.scenarios.people import eventually
from tests.scenarios.test_crm_routing import contacts_owned_by, routed_to

# The worker's liveness (and the clock's leases) expire within 3 s of its death.
STACK_SETTINGS = {"LIVEAPP_CLOCK_LEASE": "3"}


def running_jobs(stack) -> list[str]:
    """The functions of the jobs the stack's workers run now (RQ's started registries)."""
    client = redis_client.Redis.from_url(stack.env["REDIS_URL"])
    prefix = stack.env["LIVEAPP_REDIS_PREFIX"]
    try:
        names = []
        for queue in ("high", "default", "low"):
            for entry in client.zrange(f"rq:wip:{prefix}{queue}", 0, -1):
                job_id = entry.decode().split(":")[0]
                job = Job.fetch(job_id, connection=client, serializer="json")
                names.append(job.func_name)
        return names
    finally:
        client.close()


def test_a_job_abandoned_by_a_killed_worker_is_retried(stack, team, visitor):
    admin, dev = team["admin"], team["dev"]
    slow = stack.sandbox_control("POST", "/faults", json={
        "service": "salesforce", "path_prefix": "/services/data", "kind": "slow",
        "delay": 5, "count": 1})
    assert slow.status_code == 201, slow.text
    person = visitor()
    person.page_view("contact", "Contact us")
    person.identify(contacts_owned_by(dev.email)[3], form="contact")
    person.start_heartbeats()
    eventually(lambda: "jobs.crm.resolve_crm" in running_jobs(stack), 15,
               "the CRM look-up running", show=lambda: running_jobs(stack))
    kill_process(stack, "worker")
    start_process(stack, "worker-2", "worker")
    routed_to(admin, person, dev, f"Salesforce Contact owner {dev.name}", within=40)
    # Offered once: Dev alone, one prompt or card, never a second offer.
    assert dev.board().count(f'id="visitor-{person.id}"') == 1
    for name, rep in team.items():
        if name not in ("admin", "dev"):
            assert rep.card(person) is None, name
    history = admin.card(person)
    assert history.count("offered to Dev Desai") == 1, history
