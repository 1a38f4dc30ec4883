"""Prometheus metrics: what liveapp counts, and where the numbers of several processes meet.

Every metric is named `liveapp_…` (counters end in `_total`, durations in `_seconds`) and
labelled by bounded values only (event types, reasons, queue names, Flask endpoint names,
never a raw path or an id). Hot paths use label children bound once and cached here (a
`labels()` call costs about a microsecond, an `inc()` on a bound child a fraction of it).

Processes. `liveapp web` runs several gunicorn workers, and `liveapp worker` and
`liveapp pipeline` count in processes of their own: prometheus-client's multiprocess mode
keeps each process's values in files under PROMETHEUS_MULTIPROC_DIR, which every liveapp
command sets up (liveapp.metrics_folder) before this module is imported; `GET /metrics`
(blueprints/metrics.py) merges every process's files of the machine. Without the variable
(tests, `flask run`) the values stay in this process.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from prometheus_client import Counter, Gauge, Histogram

# ---------------------------------------------------------------- the events API

EVENTS_ACCEPTED = Counter("liveapp_events_accepted_total",
                          "Events the events API accepted (appended for the pipeline).",
                          ["type"])
EVENTS_REJECTED = Counter("liveapp_events_rejected_total",
                          "Events the events API refused, by type ('unknown' before it is "
                          "parsed) and reason.", ["type", "reason"])

# ---------------------------------------------------------------- the pipeline

PIPELINE_BATCH_SIZE = Histogram("liveapp_pipeline_batch_size",
                                "Entries per batch handled by a pipeline processor.",
                                buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500))
PIPELINE_BATCH_SECONDS = Histogram("liveapp_pipeline_batch_seconds",
                                   "Time to handle one batch (record, dispatch, acknowledge).",
                                   buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10))

# ---------------------------------------------------------------- live boards and widgets

SSE_STREAMS = Gauge("liveapp_sse_streams_open", "Server-sent event streams open now, by kind.",
                    ["kind"], multiprocess_mode="livesum")
CARDS_SENT = Counter("liveapp_cards_sent_total",
                     "Card events published to boards (placed, updated or removed), by board.",
                     ["board"])

# ---------------------------------------------------------------- jobs, routing, CRM, chat

JOBS = Counter("liveapp_jobs_total", "Jobs run by liveapp workers, by queue and outcome "
               "(finished, failed, retried).", ["queue", "outcome"])
JOB_SECONDS = Histogram("liveapp_job_duration_seconds", "Time a job ran, by queue.", ["queue"],
                        buckets=(.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 180))
ROUTING = Counter("liveapp_routing_decisions_total",
                  "Routing decisions stored, by distribution mode, outcome and reason (the "
                  "step whose reps were offered, or the outcome when none).",
                  ["mode", "outcome", "reason"])
CRM_LOOKUPS = Counter("liveapp_crm_lookups_total", "CRM look-ups, by service and outcome "
                      "(ok, not_found, unavailable, cached).", ["service", "outcome"])
CRM_SECONDS = Histogram("liveapp_crm_lookup_duration_seconds",
                        "Time a CRM look-up (not a cached one) took, by service.", ["service"],
                        buckets=(.05, .1, .25, .5, 1, 2.5, 5, 10, 30))
CRM_LAST = Gauge("liveapp_crm_last_lookup_timestamp_seconds",
                 "When the last CRM look-up (not a cached one) succeeded or failed, by "
                 "service and result (success: the CRM answered; failure: unavailable).",
                 ["service", "result"], multiprocess_mode="max")
CLAIM_CONFLICTS = Counter("liveapp_claim_conflicts_total",
                          "Claims refused because another rep already chats with the visitor.")
HISTORY_DROPPED = Counter("liveapp_history_writes_dropped_total",
                          "Writes of the reports' routing history (decisions, offers' answers) "
                          "that failed and were dropped, by what (the routing went on; the "
                          "log has the error).", ["what"])

# ---------------------------------------------------------------- HTTP

HTTP_SECONDS = Histogram("liveapp_http_request_duration_seconds",
                         "Time to answer a request (an event stream: to its first byte), by "
                         "Flask endpoint and status class.", ["endpoint", "status"],
                         buckets=(.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5))
EVENTS_ENDPOINT = "tracking.events"  # the fast path's requests, under the view's name

_children: dict[tuple, object] = {}


def _child(metric, *labels: str):
    """`metric.labels(*labels)`, bound once per process."""
    key = (metric, *labels)
    child = _children.get(key)
    if child is None:
        child = _children[key] = metric.labels(*labels)
    return child


def event_accepted(kind: str) -> None:
    _child(EVENTS_ACCEPTED, kind).inc()


def event_rejected(kind: str, reason: str) -> None:
    _child(EVENTS_REJECTED, kind, reason).inc()


STATUS_CLASSES = ("0xx", "1xx", "2xx", "3xx", "4xx", "5xx")


def request_done(endpoint: str | None, status: int, seconds: float) -> None:
    """One answered request: its endpoint ("none" when no route matched) and status class."""
    status_class = STATUS_CLASSES[status // 100] if 0 <= status < 600 else "5xx"
    _child(HTTP_SECONDS, endpoint or "none", status_class).observe(seconds)


def batch_handled(size: int, seconds: float) -> None:
    PIPELINE_BATCH_SIZE.observe(size)
    PIPELINE_BATCH_SECONDS.observe(seconds)


def stream_kind(channels: Iterable[str]) -> str:
    """rep, admin or visitor: what an event stream is for (an admin's board: admin)."""
    kinds = {channel.split(":", 1)[0] for channel in channels}
    return "admin" if "admin" in kinds else "rep" if "rep" in kinds else "visitor"


def stream_opened(kind: str) -> None:
    _child(SSE_STREAMS, kind).inc()


def stream_closed(kind: str) -> None:
    _child(SSE_STREAMS, kind).dec()


def cards_sent(events: Iterable[tuple[str, str, str]]) -> None:
    """Card events about to be published: (channel, event, data) each."""
    for channel, _, _ in events:
        _child(CARDS_SENT, "admin" if channel == "admin" else "rep").inc()


def job_done(queue: str, outcome: str, seconds: float) -> None:
    _child(JOBS, queue, outcome).inc()
    _child(JOB_SECONDS, queue).observe(seconds)


def routing_decided(mode: str | None, outcome: str, step: str | None) -> None:
    _child(ROUTING, mode or "none", outcome, step or outcome).inc()


def crm_looked_up(service: str, outcome: str, seconds: float | None = None) -> None:
    """One look-up: its outcome; and, when the CRM was asked (`seconds`), its latency and
    the time of this success or failure."""
    _child(CRM_LOOKUPS, service, outcome).inc()
    if seconds is not None:
        _child(CRM_SECONDS, service).observe(seconds)
        result = "failure" if outcome == "unavailable" else "success"
        _child(CRM_LAST, service, result).set(time.time())


def claim_conflict() -> None:
    CLAIM_CONFLICTS.inc()


def history_dropped(what: str) -> None:
    _child(HISTORY_DROPPED, what).inc()
