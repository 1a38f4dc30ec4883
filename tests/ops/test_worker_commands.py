"""The worker's command channel (rq's stop-job and shutdown commands): still subscribed,
read in short slices, so that a stop or the end of a burst does not wait out rq's 60 s
read (jobs/worker.py)."""

from __future__ import annotations


def test_the_worker_reads_its_commands_in_short_slices_and_stops_its_reader(app_ctx):
    from jobs.worker import LiveappWorker
    from liveapp.extensions import queue, redis

    worker = LiveappWorker([queue("default")], connection=redis.client, serializer="json")
    worker.subscribe()
    reader = worker.pubsub_thread
    assert reader.is_alive() and reader.sleep_time == LiveappWorker.COMMAND_READ_SECONDS <= 1
    [(_, subscribers)] = redis.client.pubsub_numsub(worker.pubsub_channel_name)
    assert subscribers == 1  # the commands still reach it
    worker.unsubscribe()
    reader.join(timeout=5)
    assert not reader.is_alive()
    [(_, subscribers)] = redis.client.pubsub_numsub(worker.pubsub_channel_name)
    assert subscribers == 0
