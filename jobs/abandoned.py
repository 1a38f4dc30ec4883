"""Jobs abandoned by a worker that died (`kill -9`, a lost machine) are retried at once.

RQ finds an abandoned job only once its started-registry entry expires (a `SimpleWorker`
sends no heartbeat while it runs a job, so that is the job's whole timeout plus a minute)
and only in a worker's maintenance (every 10 minutes): a visitor would wait that long for
their CRM look-up or their routing. Here each worker keeps a liveness key
(`<prefix>worker:alive:<name>`) renewed by a thread of its own, expiring `CLOCK_LEASE`
seconds after the worker stops renewing it; the clock's `abandoned-jobs` task (on one
worker at a time) marks the entries of jobs whose worker's key is gone as expired and
hands them to RQ's own handling (`StartedJobRegistry.cleanup`: retried when the job has
retries left, else failed). It also frees the RQ scheduler locks a dead worker held, so
scheduled jobs (retries, offer timeouts) move on without waiting out the locks' minute.

The same keys are the one answer to "is a worker alive?": each holds the time of its last
renewal, and `last_beat` (GET /readyz, Settings → Status) reads the latest of them.
"""

from __future__ import annotations

import logging
import threading
import time

from rq.executions import Execution
from rq.scheduler import RQScheduler
from rq.utils import as_text, parse_composite_key
from rq.worker import Worker
from rq.worker_registration import get_keys

from liveapp.extensions import QUEUE_NAMES, queue, redis

log = logging.getLogger("liveapp.abandoned")

# KEYS: a scheduler lock, the liveness key of its holder. ARGV: the holder. Frees the lock
# only when that worker still holds it and is gone.
_FREE_LOCK = """
if redis.call('get', KEYS[1]) == ARGV[1] and redis.call('exists', KEYS[2]) == 0 then
  return redis.call('del', KEYS[1])
end
return 0
"""


def alive_key(worker_name: str) -> str:
    return redis.key("worker", "alive", worker_name)


class Liveness(threading.Thread):
    """Renews this worker's liveness key three times per `ttl` until stopped (its own
    thread: neither a job nor a periodic task can hold it up)."""

    def __init__(self, app, worker_name: str, ttl: float) -> None:
        super().__init__(name="liveapp-liveness", daemon=True)
        self.app, self.worker_name, self.ttl = app, worker_name, ttl
        self._stopped = threading.Event()
        self.beat()  # alive before the worker takes its first job

    def beat(self) -> None:
        with self.app.app_context():
            redis.client.set(alive_key(self.worker_name), repr(time.time()),
                             px=int(self.ttl * 1000))

    def run(self) -> None:
        while not self._stopped.wait(self.ttl / 3):
            try:
                self.beat()
            except Exception:  # Redis away: try again at the next beat
                log.warning("liveness: cannot renew", exc_info=True)

    def stop(self) -> None:
        self._stopped.set()
        self.join(5)
        try:
            with self.app.app_context():
                redis.client.delete(alive_key(self.worker_name))
        except Exception:  # it expires on its own
            log.warning("liveness: cannot remove", exc_info=True)


def last_beat() -> float | None:
    """When a live worker last renewed its liveness key (epoch seconds), None when no
    worker on liveapp's queues is alive (needs an app context). The names come from RQ's
    registry of each queue's workers; a dead one's key has expired."""
    prefix = Worker.redis_worker_namespace_prefix
    names = {key.removeprefix(prefix) for name in QUEUE_NAMES for key in get_keys(queue(name))}
    beats = redis.client.mget([alive_key(n) for n in sorted(names)]) if names else []
    return max((float(b) for b in beats if b is not None), default=None)


def recover_abandoned_jobs() -> list[str]:
    """Retry (or fail) the jobs whose worker is gone; free its scheduler locks. Returns
    the ids of the jobs handed to RQ's abandoned-job handling (needs an app context)."""
    client = redis.client
    recovered: list[str] = []
    for name in QUEUE_NAMES:
        registry = queue(name).started_job_registry
        abandoned = []
        for entry in map(as_text, client.zrange(registry.key, 0, -1)):
            job_id, execution_id = parse_composite_key(entry)
            try:
                execution = Execution.fetch(execution_id, job_id, client)
            except ValueError:  # its record expired: RQ's maintenance deals with it
                continue
            if execution.worker_name and not client.exists(alive_key(execution.worker_name)):
                abandoned.append(entry)
        if abandoned:
            # Expired now: RQ's own cleanup retries them (or records their failure).
            client.zadd(registry.key, dict.fromkeys(abandoned, 0), xx=True)
            registry.cleanup(timestamp=1)
            ids = [parse_composite_key(e)[0] for e in abandoned]
            log.warning("jobs %s abandoned by a dead worker on %s: retried (or failed)",
                        ", ".join(ids), name)
            recovered += ids
        lock = RQScheduler.get_locking_key(queue(name).name)
        holder = client.get(lock)
        if holder and client.register_script(_FREE_LOCK)(
                keys=[lock, alive_key(as_text(holder))], args=[holder]):
            log.warning("freed the scheduler lock of %s held by dead worker %s", name,
                        as_text(holder))
    return recovered
