"""The live figures ops read: `GET /metrics` exposes them, Settings → Status shows them.

One registry for both (`registry()`): the counters, gauges and histograms every liveapp
process of this machine keeps (liveapp.metrics; merged from their multiprocess files when
PROMETHEUS_MULTIPROC_DIR is set, this process's own otherwise), and the figures read from
Redis at each collection (`RedisFigures`: visitors on the sites now, the queues' waiting
and failed jobs, the pipeline's lag). `/metrics` writes the registry in the Prometheus
text format; `status()` reads the same samples into what the Status page shows.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from rq.registry import FailedJobRegistry

from liveapp import metrics_folder
from liveapp.extensions import QUEUE_NAMES, queue, redis
from liveapp.services.ops import readiness
from liveapp.services.tracking import hot_state


class RedisFigures:
    """What Redis holds now, in two round trips per collection: visitors not yet left,
    each queue's waiting and failed jobs, and the pipeline's lag (services.readiness)."""

    def collect(self):

        queues = [queue(name) for name in QUEUE_NAMES]
        pipe = redis.client.pipeline(transaction=False)
        pipe.zcard(hot_state.heartbeats_key())
        for q in queues:
            pipe.llen(q.key)
            pipe.zcard(FailedJobRegistry(queue=q).key)
        live, *depths = pipe.execute()
        yield GaugeMetricFamily("liveapp_visitors_live",
                                "Visitors on a site now (active, idle or away; not left).", live)
        waiting = GaugeMetricFamily("liveapp_queue_jobs_waiting",
                                    "Jobs waiting in each queue.", labels=["queue"])
        failed = GaugeMetricFamily("liveapp_queue_jobs_failed",
                                   "Jobs in each queue's failed-job registry.", labels=["queue"])
        for q, count, failures in zip(queues, depths[::2], depths[1::2], strict=True):
            waiting.add_metric([q.name], count)
            failed.add_metric([q.name], failures)
        yield waiting
        yield failed
        lag = readiness.pipeline_lag()
        yield GaugeMetricFamily("liveapp_pipeline_entries_waiting",
                                "Accepted events not yet recorded by the pipeline (never "
                                "delivered or pending).", lag["waiting"] + lag["pending"])
        yield GaugeMetricFamily("liveapp_pipeline_oldest_entry_age_seconds",
                                "Age of the oldest event waiting for the pipeline.",
                                lag["oldest_seconds"])
        yield GaugeMetricFamily("liveapp_pipeline_dead_entries",
                                "Events in the dead-letter stream.", lag["dead"])


class MachineFiles(MultiProcessCollector):
    """Every liveapp process's files of this machine: the sibling folders of this
    process's own under <instance>/metrics (one per command), else its own only."""

    def collect(self):
        own = Path(os.environ[metrics_folder.MULTIPROC_VARIABLE])
        root = Path(current_app.instance_path) / metrics_folder.METRICS_FOLDER
        files = (root.glob("*/*.db") if own.parent.resolve() == root.resolve()
                 else own.glob("*.db"))
        return self.merge([str(f) for f in files], accumulate=True)


def registry() -> CollectorRegistry:
    """Every figure: the processes' metrics and Redis's, collected when read."""
    figures = CollectorRegistry(auto_describe=False)
    folder = os.environ.get(metrics_folder.MULTIPROC_VARIABLE)
    if folder:
        MachineFiles(figures, path=folder)  # registers itself
    else:
        figures.register(_Process())
    figures.register(RedisFigures())
    return figures


class _Process:
    """This process's own metrics (no multiprocess folder: tests, `flask run`)."""

    def collect(self):
        return REGISTRY.collect()


def exposition() -> bytes:
    """The Prometheus text format of every figure."""
    return generate_latest(registry())


# ---------------------------------------------------------------- Settings → Status

STREAM_KINDS = ("rep", "admin", "visitor")
CRM_FAILURES = ("unavailable",)  # the CRM did not answer; not_found is an answer


@dataclass
class CrmHealth:
    """One CRM service's look-ups since the processes started, and the last of each kind."""

    service: str
    answered: int = 0
    failed: int = 0
    cached: int = 0
    seconds_sum: float = 0.0
    timed: int = 0
    last_success_at: float | None = None
    last_failure_at: float | None = None

    @property
    def mean_seconds(self) -> float | None:
        return self.seconds_sum / self.timed if self.timed else None


@dataclass
class Status:
    """What Settings → Status shows (samples of the registry /metrics writes)."""

    visitors_live: int = 0
    streams: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STREAM_KINDS, 0))
    queues: dict[str, tuple[int, int]] = field(default_factory=dict)  # waiting, failed
    pipeline_waiting: int = 0
    pipeline_oldest_seconds: float = 0.0
    pipeline_dead: int = 0
    crm: dict[str, CrmHealth] = field(default_factory=dict)
    at: float = field(default_factory=time.time)

    @property
    def failed_jobs(self) -> int:
        return sum(failed for _, failed in self.queues.values())


def status() -> Status:
    """The figures Settings → Status shows, read from `registry()` as /metrics is."""
    samples: dict[str, list] = defaultdict(list)
    for family in registry().collect():
        for sample in family.samples:
            samples[sample.name].append(sample)
    return _read(samples)


def _read(samples: dict[str, list]) -> Status:
    def one(name: str) -> float:
        return sum(s.value for s in samples.get(name, ()))

    current = Status(visitors_live=int(one("liveapp_visitors_live")),
                     pipeline_waiting=int(one("liveapp_pipeline_entries_waiting")),
                     pipeline_oldest_seconds=one("liveapp_pipeline_oldest_entry_age_seconds"),
                     pipeline_dead=int(one("liveapp_pipeline_dead_entries")))
    for s in samples.get("liveapp_sse_streams_open", ()):
        current.streams[s.labels["kind"]] = current.streams.get(s.labels["kind"], 0) + int(s.value)
    failed = {s.labels["queue"]: int(s.value) for s in samples.get("liveapp_queue_jobs_failed", ())}
    for s in samples.get("liveapp_queue_jobs_waiting", ()):
        current.queues[s.labels["queue"]] = (int(s.value), failed.get(s.labels["queue"], 0))
    _read_crm(samples, current.crm)
    return current


def _read_crm(samples: dict[str, list], crm: dict[str, CrmHealth]) -> None:
    def health(labels: dict) -> CrmHealth:
        return crm.setdefault(labels["service"], CrmHealth(labels["service"]))

    for s in samples.get("liveapp_crm_lookups_total", ()):
        row, outcome, count = health(s.labels), s.labels["outcome"], int(s.value)
        if outcome == "cached":
            row.cached += count
        elif outcome in CRM_FAILURES:
            row.failed += count
        else:
            row.answered += count
    for s in samples.get("liveapp_crm_lookup_duration_seconds_sum", ()):
        health(s.labels).seconds_sum += s.value
    for s in samples.get("liveapp_crm_lookup_duration_seconds_count", ()):
        health(s.labels).timed += int(s.value)
    for s in samples.get("liveapp_crm_last_lookup_timestamp_seconds", ()):
        row = health(s.labels)
        if s.labels["result"] == "success":
            row.last_success_at = max(row.last_success_at or 0.0, s.value) or None
        else:
            row.last_failure_at = max(row.last_failure_at or 0.0, s.value) or None
