"""A job that failed on a real RQ worker (Settings → Jobs' tests): the `failed_job` fixture,
imported by tests/conftest.py."""

import pytest
from rq.registry import FailedJobRegistry

from tests.rq_workers import SimpleWorker


def explode(order_id: int) -> None:
    raise ValueError(f"the CRM refused order {order_id}")


@pytest.fixture
def failed_job(app_ctx):
    """A job on liveapp's default queue that ran on a real worker and failed."""
    from liveapp.extensions import queue, redis

    job = queue("default").enqueue(f"{__name__}.explode", 42)
    SimpleWorker([queue("default")], connection=redis.client, serializer="json").work(
        burst=True, max_jobs=1)
    assert job.id in FailedJobRegistry(queue=queue("default")).get_job_ids()
    return job
