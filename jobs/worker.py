"""`liveapp worker`: an RQ worker with the scheduler, on liveapp's namespaced queues."""

from __future__ import annotations

import os
import sys

from rq import Worker

from jobs import get_app
from jobs.board_presence import schedule_next_sweep
from jobs.conversations import schedule_next as schedule_chat_closing


def queues_for(app) -> list:
    from liveapp.extensions import QUEUE_NAMES, queue

    with app.app_context():
        return [queue(name) for name in QUEUE_NAMES]


def run(burst: bool = False) -> bool:
    """Work the high, default and low queues in that order."""
    app = get_app()
    from liveapp.extensions import redis

    queues = queues_for(app)
    with app.app_context():
        connection = redis.client
        if not burst:
            from jobs.presence import ensure_scheduled

            ensure_scheduled()  # presence expiry, every few seconds, one chain for all workers
            schedule_next_sweep()  # board presence sweeps reschedule themselves from here on
            schedule_chat_closing()  # so do the closings of abandoned chats
    worker = Worker(queues, connection=connection, serializer="json")
    # Job-by-job INFO lines (the presence chain runs every 5 s) would drown the demo console.
    return worker.work(with_scheduler=True, burst=burst,
                       logging_level=os.environ.get("LIVEAPP_WORKER_LOG_LEVEL", "WARNING"))


if __name__ == "__main__":
    sys.exit(0 if run() is not False else 1)
