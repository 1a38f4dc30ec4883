"""The worker's clock: each periodic task runs once per interval among all workers, and a
dead worker's lease lets another take the task over. First clocks driven tick by tick in
this process, then real `liveapp worker` processes with shortened intervals."""

from __future__ import annotations

import signal
import time

import pytest

from jobs.clock import Clock, Task, runs
from tests.worker.conftest import log_of

SHORT = {"LIVEAPP_PRESENCE_EXPIRY_EVERY": "0.5", "LIVEAPP_BOARD_SWEEP_EVERY": "1",
         "LIVEAPP_CHAT_CLOSING_EVERY": "1", "LIVEAPP_CLOCK_LEASE": "2"}
TASKS = ("presence-expiry", "board-presence-sweep", "chat-closing")


@pytest.fixture
def clocks(app, app_ctx):
    """Two workers' clocks sharing one task (not started: the test ticks them)."""
    ran: list[str] = []

    def clock(owner: str, lease: float = 5.0) -> Clock:
        made = Clock(app, owner, [Task("test-task", 10, lambda: ran.append(owner))], lease)
        from jobs import clock as module
        from liveapp.extensions import redis
        made._claim = redis.client.register_script(module._CLAIM)
        made._release = redis.client.register_script(module._RELEASE)
        return made

    return clock, ran


def test_one_run_per_slot_among_clocks(clocks):
    clock, ran = clocks
    a, b = clock("a"), clock("b")
    for now in (1000.0, 1001.0, 1009.9):  # one slot, ticked by both
        a.tick(now)
        b.tick(now)
    assert ran == ["a"]
    for now in (1010.0, 1015.0, 1020.5):
        b.tick(now)
        a.tick(now)
    assert ran == ["a", "a", "a"]  # b never runs while a's lease lives
    assert [r["slot"] for r in runs("test-task")] == [102, 101, 100]


def test_an_expired_lease_is_taken_over_without_running_a_slot_again(clocks):
    clock, ran = clocks
    a, b = clock("a", lease=0.3), clock("b", lease=0.3)
    a.tick(1000.0)
    time.sleep(0.4)  # a died: its lease runs out
    b.tick(1005.0)  # same slot: already run by a
    b.tick(1010.0)
    a.tick(1010.0)  # a is back: b holds the task now
    assert ran == ["a", "b"]


def test_a_stopped_clock_hands_its_tasks_over_at_once(clocks):
    clock, ran = clocks
    a, b = clock("a", lease=60), clock("b", lease=60)
    a.tick(1000.0)
    a.stop()  # never started: just lets go of its leases
    b.tick(1010.0)
    assert ran == ["a", "b"]


def test_a_failing_task_is_listed_and_runs_again_next_slot(app, app_ctx):

    def fail():
        raise RuntimeError("no database")

    clock = Clock(app, "a", [Task("failing", 10, fail)], 5)
    clock.tick(1000.0)
    clock.tick(1010.0)
    assert [("no database" in r["error"], r["slot"]) for r in runs("failing")] == [
        (True, 101), (True, 100)]


def test_bad_intervals_are_refused(app):
    with pytest.raises(ValueError, match="above 0"):
        Clock(app, "a", [Task("never", 0, lambda: None)], 5)


def _owners(task: str) -> dict[int, int]:
    """pid -> runs of the task."""
    counts: dict[int, int] = {}
    for entry in runs(task):
        counts[entry["pid"]] = counts.get(entry["pid"], 0) + 1
    return counts


def _wait(condition, timeout: float, what: str, workers) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: {[log_of(w) for w in workers]}")
        time.sleep(0.1)


def test_two_workers_run_each_task_once_per_interval_and_take_over(app_ctx, start_worker):
    workers = [start_worker(**SHORT), start_worker(**SHORT)]
    _wait(lambda: all(len(runs(t)) >= 3 for t in TASKS), 30, "no runs", workers)
    started = time.time()
    time.sleep(3)
    for task in TASKS:
        slots = [r["slot"] for r in runs(task)]
        assert len(slots) == len(set(slots)), f"{task} ran a slot twice: {slots}"
        assert len(_owners(task)) == 1, f"{task} ran on both workers: {runs(task)}"
        assert all(r["error"] is None for r in runs(task)), runs(task)
    every = {"presence-expiry": 0.5, "board-presence-sweep": 1, "chat-closing": 1}
    for task, interval in every.items():
        recent = [r for r in runs(task) if r["at"] >= started]
        # 3 s of slots (minus a slow tick or two on a busy machine), never more.
        assert 3 / interval - 2 <= len(recent) <= 3 / interval + 1, (task, recent)

    [holder] = _owners("presence-expiry")
    victim = next(w for w in workers if w.pid == holder)
    survivor = next(w for w in workers if w.pid != holder)
    victim.send_signal(signal.SIGKILL)  # no chance to hand the lease over
    killed = time.time()
    _wait(lambda: survivor.pid in _owners("presence-expiry"), 10, "no take-over", workers)
    first = min(r["at"] for r in runs("presence-expiry") if r["pid"] == survivor.pid)
    assert first - killed <= 2 + 1.5  # the lease (2 s), then the next slot
    for task in TASKS:  # everything the dead worker held moved over, no slot twice
        _wait(lambda t=task: survivor.pid in _owners(t), 10, f"{task} not taken over",
              workers)
        slots = [r["slot"] for r in runs(task)]
        assert len(slots) == len(set(slots)), f"{task} ran a slot twice: {slots}"
    assert survivor.poll() is None
