"""The reports' daily rollups: every REPORTS_EVERY seconds the clock enqueues
`build_report_days` on the low queue (unless the last run is still queued or running),
which rebuilds today and yesterday in every zone reports are read in, and backfills a
bounded number of older days (services/reports/rollup_runs.py)."""

from __future__ import annotations

from jobs import app_context, job
from jobs.retention import enqueue_once
from liveapp.extensions import redis
from liveapp.services.reports import rollup_runs


@job(queue="low", timeout=lambda config: max(300, int(config["REPORTS_EVERY"]) * 5))
def build_report_days() -> dict[str, int]:
    """Rebuild the rollups' recent days and backfill older ones; zone -> days built."""
    with app_context():
        return rollup_runs.run()


def enqueue_report_days() -> None:
    """The clock's task."""
    enqueue_once(build_report_days, redis.key("reports", "last-job"))
