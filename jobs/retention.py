"""Data retention: every RETENTION_EVERY seconds the clock enqueues `delete_expired_data`
on the low queue (a first run on a large database may take minutes: the clock's thread
must stay free for presence expiry), which deletes what outlived LIVEAPP_RETENTION_DAYS."""

from __future__ import annotations

from rq.exceptions import NoSuchJobError
from rq.job import Job

from jobs import app_context, enqueue, job
from liveapp.extensions import redis
from liveapp.services.ops import retention


@job(queue="low", timeout=lambda config: int(config["RETENTION_EVERY"]) or 3600)
def delete_expired_data() -> dict[str, int]:
    """Delete page views, visits and closed conversations older than the cut-off."""
    with app_context():
        return retention.delete_expired()


def enqueue_retention() -> None:
    """The clock's task: put the deletion on the low queue, unless the last run is still
    queued or running (each batch commits on its own, so a run that outlasts its timeout
    has still done its share)."""
    enqueue_once(delete_expired_data, last_job_key())


def enqueue_once(func, key: str) -> None:
    """Enqueue the job `func` unless the one last enqueued (its id kept at `key`) is still
    queued or running: a slow run catches up on its own, runs do not pile up."""
    last = redis.client.get(key)
    try:
        if last and Job.fetch(last.decode(), connection=redis.client).get_status() in (
                "queued", "started"):
            return
    except NoSuchJobError:
        pass
    queued = enqueue(func)
    redis.client.set(key, queued.id, ex=7 * 24 * 3600)


def last_job_key() -> str:
    """The id of the last retention job enqueued (RQ's job ids are not namespaced)."""
    return redis.key("retention", "last-job")
