"""`liveapp worker`: a non-forking RQ worker on liveapp's namespaced queues, with the clock
(periodic work and RQ's scheduler) in a thread of the same process.

RQ's default `Worker` forks the whole app (~190 MB) for every job; `SimpleWorker` runs
each job in this process's main thread, where RQ's death penalty (SIGALRM) still ends a
job that outruns its `job_timeout`. Each job opens its own app context and removes its
session afterwards (`jobs.app_context`), so nothing a job leaves behind reaches the next.
More throughput: run more `liveapp worker` processes (on one machine or several); the
clock's leases keep each periodic task to one run per interval among them.
"""

from __future__ import annotations

import logging
import os
import sys
import time

from rq import SimpleWorker
from rq.scheduler import RQScheduler

from jobs import get_app
from jobs.abandoned import Liveness
from jobs.clock import Clock, tasks_for
from liveapp import logs, metrics
from liveapp.extensions import QUEUE_NAMES, queue, redis

log = logging.getLogger("liveapp.jobs")
RETRYING = ("scheduled", "queued")  # a failed job with retries left goes back


class LiveappWorker(SimpleWorker):
    """SimpleWorker that counts each job (liveapp_jobs_total, liveapp_job_duration_seconds)
    and logs one line per job, with the job id in every line logged while it runs."""

    # rq reads the worker's command channel (stop a job, shut down) in a thread with
    # `run_in_thread(sleep_time=60)`; at teardown it waits 1 s for that thread, then closes
    # the pubsub the thread may hold until its 60 s read ends: 4 of 30 bursts of rq's
    # SimpleWorker on an empty queue took 60 s to return (and a stop as long). A 1 s read
    # keeps the commands and caps that wait.
    COMMAND_READ_SECONDS = 1.0

    def subscribe(self) -> None:
        self.log.info("Worker %s: subscribing to channel %s", self.name,
                      self.pubsub_channel_name)
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(
            sleep_time=self.COMMAND_READ_SECONDS, daemon=True,
            exception_handler=self._pubsub_exception_handler)

    def perform_job(self, job, queue, *args, **kwargs) -> bool:
        started = time.perf_counter()
        with logs.bound(job_id=job.id):
            ok = super().perform_job(job, queue, *args, **kwargs)
            seconds = time.perf_counter() - started
            outcome = "finished" if ok else (
                "retried" if job.get_status(refresh=False) in RETRYING else "failed")
            metrics.job_done(queue.name, outcome, seconds)
            log.log(logging.INFO if ok else logging.WARNING, "job %s %s", job.func_name,
                    outcome, extra={"queue": queue.name, "duration_ms": round(seconds * 1000, 2)})
        return ok


def queues_for(app) -> list:
    with app.app_context():
        return [queue(name) for name in QUEUE_NAMES]


def run(burst: bool = False) -> bool:
    """Work the high, default and low queues in that order."""
    app = get_app()
    queues = queues_for(app)
    with app.app_context():
        connection = redis.client
    worker = LiveappWorker(queues, connection=connection, serializer="json")
    # Job-by-job INFO lines (presence expiry runs every 5 s) would drown the demo console.
    level = os.environ.get("LIVEAPP_WORKER_LOG_LEVEL", "WARNING")
    if burst:
        return worker.work(burst=True, with_scheduler=True, logging_level=level)
    scheduler = RQScheduler(queues, connection=connection, serializer="json",
                            logging_level=level, name=worker.name)
    clock = Clock(app, worker.name, tasks_for(app.config), app.config["CLOCK_LEASE"],
                  scheduler)
    # Known alive while it runs; once it dies, its jobs are retried (jobs.abandoned).
    liveness = Liveness(app, worker.name, app.config["CLOCK_LEASE"])
    liveness.start()
    clock.start()
    try:
        return worker.work(logging_level=level)
    finally:
        clock.stop()
        liveness.stop()


if __name__ == "__main__":
    sys.exit(0 if run() is not False else 1)
