"""GET /metrics: the Prometheus text format, for a scraper holding LIVEAPP_METRICS_TOKEN.

Without the variable the endpoint does not exist (404); a request without the token is
401, with another one 403. The numbers are every liveapp process's of this machine (see
liveapp.metrics), plus the pipeline's lag, read from Redis at each scrape.
"""

from __future__ import annotations

import hmac
import os
import time
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from liveapp import metrics_folder
from liveapp.extensions import redis
from liveapp.services import pipeline

bp = Blueprint("metrics", __name__)


def _authorised() -> None:
    """404 unless a token is configured; 401 without a bearer token; 403 for another."""
    expected = current_app.config.get("METRICS_TOKEN", "")
    if not expected:
        abort(404)
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given:
        abort(Response("A bearer token is needed.\n", 401, {"WWW-Authenticate": "Bearer"}))
    if not hmac.compare_digest(given.strip().encode(), expected.encode()):
        abort(Response("Wrong token.\n", 403))


class PipelineLag:
    """Entries waiting in the events streams (unprocessed or pending: processed ones are
    deleted) and the age of the oldest, in one Redis round trip per scrape."""

    def collect(self):
        keys = pipeline.stream_keys()
        pipe = redis.client.pipeline(transaction=False)
        for key in keys:
            pipe.xlen(key)
            pipe.xrange(key, count=1)
        pipe.xlen(pipeline.dead_key())
        answers = pipe.execute()
        waiting = sum(answers[0:-1:2])
        firsts = [int(entries[0][0].split(b"-")[0]) for entries in answers[1:-1:2] if entries]
        oldest = max(0.0, time.time() - min(firsts) / 1000) if firsts else 0.0
        yield GaugeMetricFamily("liveapp_pipeline_entries_waiting",
                                "Accepted events not yet recorded by the pipeline.", waiting)
        yield GaugeMetricFamily("liveapp_pipeline_oldest_entry_age_seconds",
                                "Age of the oldest event waiting for the pipeline.", oldest)
        yield GaugeMetricFamily("liveapp_pipeline_dead_entries",
                                "Events in the dead-letter stream.", answers[-1])


class MachineFiles(MultiProcessCollector):
    """Every liveapp process's files of this machine: the sibling folders of this
    process's own under <instance>/metrics (one per command), else its own only."""

    def collect(self):
        own = Path(os.environ[metrics_folder.MULTIPROC_VARIABLE])
        root = Path(current_app.instance_path) / metrics_folder.METRICS_FOLDER
        files = (root.glob("*/*.db") if own.parent.resolve() == root.resolve()
                 else own.glob("*.db"))
        return self.merge([str(f) for f in files], accumulate=True)


def _exposition() -> bytes:
    lag = CollectorRegistry(auto_describe=False)
    lag.register(PipelineLag())
    if not os.environ.get(metrics_folder.MULTIPROC_VARIABLE):
        return generate_latest(REGISTRY) + generate_latest(lag)
    registry = CollectorRegistry(auto_describe=False)
    MachineFiles(registry, path=os.environ[metrics_folder.MULTIPROC_VARIABLE])  # registers itself
    return generate_latest(registry) + generate_latest(lag)


@bp.get("/metrics")
def scrape():
    """The Prometheus exposition of every metric."""
    _authorised()
    return Response(_exposition(), mimetype=None, content_type=CONTENT_TYPE_LATEST,
                    headers={"Cache-Control": "no-store"})
