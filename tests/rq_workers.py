"""The RQ worker the tests run jobs with: rq's SimpleWorker without its pubsub thread.

rq subscribes each worker to a command channel (stop a job, kill the work horse) with
redis-py's `run_in_thread(sleep_time=60)`. When the burst ends, `unsubscribe` stops that
thread, waits 1 s for it and closes the pubsub. A thread that is back in its 60-second
read by then can hold the pubsub until that read ends: 4 of 30 bursts of rq's
SimpleWorker on an empty queue took 60 s to return. Two CI failures fit that: two burst
workers still alive 60 s after their 12 jobs were logged done, and a visitor routed as
gone (60 s without a heartbeat on the test's ticking clock) after an offer timeout. The
tests send no worker commands, so they do without the channel (the product's worker
keeps it, read in 1 s slices: jobs/worker.py).
"""

from __future__ import annotations

import rq


class SimpleWorker(rq.SimpleWorker):
    def subscribe(self) -> None:
        self.pubsub_thread = None
