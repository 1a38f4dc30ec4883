"""The worker's clock: periodic work (presence expiry, board presence sweeps, closing
abandoned chats, data retention) and RQ's scheduled jobs, run from a thread inside `liveapp worker`.

Every worker process runs a clock, but each periodic task runs once per interval across
all of them: a Redis lease per task names the worker that runs it. The holder renews
its lease on every wake-up; a worker that dies stops renewing, and once the lease
expires another worker's clock takes the task over. Runs are aligned on time slots
(`floor(now / every)`), and the last slot run is kept in Redis, so a take-over does not
run a slot again. The last runs of each task are listed in Redis for ops (`runs`).

RQ's own scheduler (moving `enqueue_in` jobs, offer timeouts and retries, onto their
queue when due) runs here too, under RQ's own per-queue locks, instead of in the
process RQ would fork for it.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from rq.scheduler import RQScheduler

from jobs.abandoned import recover_abandoned_jobs
from jobs.board_presence import sweep_board_presence
from jobs.conversations import close_abandoned_chats
from jobs.presence import expire_presence
from jobs.reports import enqueue_report_days
from jobs.retention import enqueue_retention
from liveapp.extensions import redis

log = logging.getLogger("liveapp.clock")

RUNS_KEPT = 50  # entries in each task's `runs` list
SLOT_TTL = 24 * 3600  # the last slot run outlives any pause of the clocks

# KEYS: lease, last slot run. ARGV: owner, lease ms, slot.
# Returns 1: run this slot now; 0: lease held, slot already run; -1: another owner's lease.
_CLAIM = """
local holder = redis.call('get', KEYS[1])
if holder and holder ~= ARGV[1] then return -1 end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
local done = tonumber(redis.call('get', KEYS[2]) or '-1')
if tonumber(ARGV[3]) > done then
  redis.call('set', KEYS[2], ARGV[3], 'EX', ARGV[4])
  return 1
end
return 0
"""

# KEYS: lease. ARGV: owner. Releases the lease only if it is still ours.
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


@dataclass(frozen=True)
class Task:
    """Periodic work: `run()` every `every` seconds, on one worker at a time."""

    name: str
    every: float
    run: Callable[[], object]


def tasks_for(config) -> list[Task]:
    """The periodic tasks, with their intervals from the app's configuration."""
    return [
        Task("presence-expiry", config["PRESENCE_EXPIRY_EVERY"], expire_presence),
        Task("board-presence-sweep", config["BOARD_SWEEP_EVERY"], sweep_board_presence),
        Task("chat-closing", config["CHAT_CLOSING_EVERY"], close_abandoned_chats),
        Task("abandoned-jobs", config["ABANDONED_JOBS_EVERY"], recover_abandoned_jobs),
        Task("retention", config["RETENTION_EVERY"], enqueue_retention),
        Task("report-days", config["REPORTS_EVERY"], enqueue_report_days),
    ]


def runs(task_name: str) -> list[dict]:
    """The last runs of a task, newest first (needs an app context)."""
    return [json.loads(raw) for raw in redis.client.lrange(_key(task_name, "runs"), 0, -1)]


def _key(task_name: str, what: str) -> str:
    return redis.key("clock", task_name, what)


class Clock(threading.Thread):
    """Runs the periodic tasks whose lease this worker holds, and RQ's scheduler."""

    def __init__(self, app, owner: str, tasks: list[Task], lease: float,
                 scheduler: RQScheduler | None = None) -> None:
        super().__init__(name="liveapp-clock", daemon=True)
        for task in tasks:
            if not task.every > 0:
                raise ValueError(f"{task.name}: the interval must be above 0 s, not {task.every}")
        if not lease > 0:
            raise ValueError(f"the clock's lease must be above 0 s, not {lease}")
        self.app, self.owner, self.tasks, self.lease = app, owner, tasks, lease
        self.scheduler = scheduler
        # Wake often enough to renew the lease and start each slot on time.
        self.resolution = min([1.0, lease / 3, *(task.every / 4 for task in tasks)])
        self._stopped = threading.Event()
        with app.app_context():
            self._claim = redis.client.register_script(_CLAIM)
            self._release = redis.client.register_script(_RELEASE)

    def run(self) -> None:
        with self.app.app_context():
            if self.scheduler:
                try:
                    self.scheduler.register_birth()
                except Exception:  # its heartbeats write the same hash later
                    log.warning("clock: cannot register RQ's scheduler", exc_info=True)
            try:
                while not self._stopped.is_set():
                    try:
                        self.tick(time.time())
                    except Exception:  # Redis away mid-tick: the clock must keep going
                        log.warning("clock: tick failed", exc_info=True)
                    self._stopped.wait(self.resolution)
            finally:
                self._let_go()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the task running now, and give up the leases for others to take."""
        self._stopped.set()
        if self.ident is None:  # never started (ticked by hand): let go here
            with self.app.app_context():
                self._let_go()
        else:
            self.join(timeout)

    def tick(self, now: float) -> None:
        """Run each task whose lease this worker holds and whose slot has not run yet."""
        for task in self.tasks:
            if self._stopped.is_set():
                return
            try:
                claim = self._claim(keys=[_key(task.name, "lease"), _key(task.name, "slot")],
                                    args=[self.owner, int(self.lease * 1000),
                                          int(now // task.every), SLOT_TTL])
            except Exception:  # Redis away: try again on the next wake-up
                log.warning("clock: cannot claim %s", task.name, exc_info=True)
                continue
            if claim == 1:
                self._run(task, int(now // task.every))
        if self.scheduler:
            self._schedule()

    def _run(self, task: Task, slot: int) -> None:
        started, error = time.time(), None
        try:
            task.run()
        except Exception:  # the next slot tries again; the error is logged and listed
            error = traceback.format_exc(limit=5)
            log.error("clock: %s failed:\n%s", task.name, error)
        entry = {"slot": slot, "worker": self.owner, "pid": os.getpid(), "at": started,
                 "seconds": round(time.time() - started, 4), "error": error}
        key = _key(task.name, "runs")
        with redis.client.pipeline() as pipe:
            pipe.lpush(key, json.dumps(entry)).ltrim(key, 0, RUNS_KEPT - 1)
            pipe.expire(key, SLOT_TTL).execute()

    def _schedule(self) -> None:
        """RQ's scheduler loop body: hold the queues' scheduler locks (taking over those
        of a scheduler that died) and move due jobs onto their queues."""
        scheduler = self.scheduler
        try:
            if scheduler.acquired_locks != scheduler._queue_names:
                scheduler.acquire_locks()
            if scheduler.acquired_locks:
                scheduler.heartbeat()
                scheduler.enqueue_scheduled_jobs()
        except Exception:
            log.warning("clock: RQ scheduler pass failed", exc_info=True)

    def _let_go(self) -> None:
        for task in self.tasks:
            try:
                self._release(keys=[_key(task.name, "lease")], args=[self.owner])
            except Exception:  # it expires on its own
                log.warning("clock: cannot release %s", task.name, exc_info=True)
        if self.scheduler:
            try:
                self.scheduler.stop()
            except Exception:
                log.warning("clock: cannot release the scheduler locks", exc_info=True)
