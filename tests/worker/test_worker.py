"""`liveapp worker` runs jobs in its own process (no fork per job), still ends a job that
outruns its `job_timeout`, and gives each job a clean database session. Real worker
processes, real Redis, the test app's real database."""

from __future__ import annotations

from datetime import timedelta

from liveapp.extensions import db, queue
from liveapp.models import User
from tests.worker.conftest import log_of, wait_for


def test_jobs_run_in_the_worker_process_itself(app_ctx, start_worker):
    worker = start_worker()
    jobs = [queue("default").enqueue("tests.worker.tasks.pid") for _ in range(3)]
    for job in jobs:
        assert wait_for(job) == "finished", log_of(worker)
    assert {job.return_value() for job in jobs} == {worker.pid}  # no work-horse forked


def test_a_job_past_its_timeout_fails_and_the_worker_goes_on(app_ctx, start_worker):
    worker = start_worker()
    slow = queue("default").enqueue("tests.worker.tasks.sleep_for", 30, job_timeout=1)
    quick = queue("default").enqueue("tests.worker.tasks.sleep_for", 0.2, job_timeout=5)
    after = queue("default").enqueue("tests.worker.tasks.pid")

    assert wait_for(slow, timeout=15) == "failed", log_of(worker)
    assert "JobTimeoutException" in slow.latest_result().exc_string
    assert wait_for(quick) == "finished"
    assert quick.return_value() == 0.2
    assert wait_for(after) == "finished"
    assert after.return_value() == worker.pid  # the same process survived the timeout
    assert worker.poll() is None


def test_a_failed_transaction_does_not_reach_the_next_job(app_ctx, start_worker):
    worker = start_worker()
    failed = queue("default").enqueue("tests.worker.tasks.add_user_then_fail",
                                      "failed@example.com")
    timed_out = queue("default").enqueue("tests.worker.tasks.add_user_then_sleep",
                                         "slow@example.com", 30, job_timeout=1)
    ok = queue("default").enqueue("tests.worker.tasks.add_user", "ok@example.com")

    assert wait_for(failed) == "failed", log_of(worker)
    assert "IntegrityError" in failed.latest_result().exc_string
    assert wait_for(timed_out, timeout=15) == "failed"
    assert wait_for(ok) == "finished", ok.latest_result().exc_string
    # Neither failed job's uncommitted user was committed by the next job's commit.
    assert ok.return_value() == ["ok@example.com"]
    assert list(db.session.scalars(db.select(User.email))) == ["ok@example.com"]


def test_jobs_enqueued_for_later_run_when_due(app_ctx, start_worker):
    """The clock moves scheduled jobs (offer timeouts, retries) onto their queue."""
    worker = start_worker()
    later = queue("high").enqueue_in(timedelta(seconds=1), "tests.worker.tasks.pid")
    assert wait_for(later) == "finished", log_of(worker)
    assert later.return_value() == worker.pid
