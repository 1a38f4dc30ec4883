"""gunicorn settings `liveapp web` adds (`--config python:liveapp.gunicorn_conf`)."""

from liveapp import metrics_folder


def child_exit(server, worker) -> None:
    """A worker exited: its open streams no longer count (liveapp_sse_streams_open)."""
    metrics_folder.process_gone(worker.pid)
