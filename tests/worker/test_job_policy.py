"""Each job declares its queue, timeout, retries and TTLs next to its function (`@jobs.job`),
and `jobs.enqueue` queues the function itself with that policy. Real Redis, real RQ jobs."""

from __future__ import annotations

import pkgutil
from importlib import import_module

import pytest

import jobs
from jobs import crm as crm_jobs
from jobs import enrichment as enrichment_jobs
from jobs import membership as membership_jobs
from jobs import retention as retention_jobs
from jobs import routing as routing_jobs
from liveapp.extensions import QUEUE_NAMES, queue

WEEK = 7 * 24 * 3600


def declared_jobs() -> dict[str, object]:
    """Every function under jobs/ that declares a policy, by dotted name."""
    found = {}
    for module in pkgutil.iter_modules(jobs.__path__):
        loaded = import_module(f"jobs.{module.name}")
        for name, value in vars(loaded).items():
            if callable(value) and isinstance(getattr(value, "policy", None), jobs.Policy):
                found[f"{value.__module__}.{name}"] = value
    return found


def test_every_job_the_app_enqueues_declares_a_policy_on_a_known_queue():
    assert set(declared_jobs()) == {
        "jobs.routing.route_visitor", "jobs.routing.offer_timeout", "jobs.routing.queue_timeout",
        "jobs.routing.drain_queue", "jobs.routing.reoffer_unrouted", "jobs.crm.resolve_crm",
        "jobs.enrichment.enrich_visitor", "jobs.membership.reevaluate_live",
        "jobs.retention.delete_expired_data", "jobs.transfers.transfer_timeout",
        "jobs.reports.build_report_days",
        "jobs.transcript_email.email_transcript",
    }
    assert {func.policy.queue for func in declared_jobs().values()} <= set(QUEUE_NAMES)


@pytest.mark.parametrize(("func", "queue_name", "timeout", "retries"), [
    (crm_jobs.resolve_crm, "default", 180, [2, 5, 15, 60, 240]),
    (enrichment_jobs.enrich_visitor, "low", 60, [5, 30, 120]),
    (membership_jobs.reevaluate_live, "high", 180, None),
    (routing_jobs.drain_queue, "high", 300, None),
])
def test_a_job_is_queued_with_the_policy_declared_on_it(app_ctx, func, queue_name, timeout,
                                                        retries):
    args = ["v-policy"] if func in (crm_jobs.resolve_crm, enrichment_jobs.enrich_visitor) else []
    job = jobs.enqueue(func, *args)
    job.refresh()
    assert job.origin == app_ctx.config["REDIS_PREFIX"] + queue_name  # namespaced queue
    assert job.func_name == f"{func.__module__}.{func.__name__}" and job.args == args
    assert (job.timeout, job.result_ttl, job.failure_ttl) == (timeout, 300, WEEK)
    assert (job.retry_intervals or None, job.retries_left) == (
        retries, len(retries) if retries else None)
    assert job.id in queue(queue_name).job_ids


def test_a_policy_may_follow_the_configuration(app_ctx, monkeypatch):
    monkeypatch.setitem(app_ctx.config, "ROUTING_RETRY_INTERVALS", [1, 4])
    monkeypatch.setitem(app_ctx.config, "RETENTION_EVERY", 1234)
    routed = jobs.enqueue(routing_jobs.route_visitor, "v-config", "pounce")
    deleting = jobs.enqueue(retention_jobs.delete_expired_data)
    assert (routed.retry_intervals, routed.retries_left, routed.timeout) == ([1, 4], 2, 60)
    assert (deleting.origin, deleting.timeout) == (app_ctx.config["REDIS_PREFIX"] + "low", 1234)


def test_a_delay_schedules_the_job_for_rq_s_scheduler(app_ctx):
    job = jobs.enqueue(routing_jobs.offer_timeout, "v-later", 7, "offer-1", delay=30)
    high = queue("high")
    assert job.get_status() == "scheduled" and job.id not in high.job_ids
    assert job.id in high.scheduled_job_registry.get_job_ids()
    assert (job.timeout, job.result_ttl, job.failure_ttl) == (60, 300, WEEK)


def test_a_function_without_a_policy_is_refused_and_nothing_is_queued(app_ctx):
    before = {name: queue(name).count for name in QUEUE_NAMES}
    with pytest.raises(TypeError, match="is not a job"):
        jobs.enqueue(retention_jobs.enqueue_retention)
    with pytest.raises(TypeError, match="is not a job"):
        jobs.enqueue(len, "x", delay=5)
    assert {name: queue(name).count for name in QUEUE_NAMES} == before
