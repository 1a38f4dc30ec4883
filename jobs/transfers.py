"""Chat transfer jobs: a transfer nobody answered in time goes back to its sender.

Enqueued by `liveapp.services.chat.transfers.start`, delayed by the transfer's timeout
(RQ's scheduler in the worker's clock moves it onto the queue when due); a no-op when the
transfer was answered meanwhile, so safe to run twice."""

from __future__ import annotations

from jobs import app_context, job
from liveapp.services.chat import transfers

QUEUE = "high"  # a visitor waits while their chat is handed over


@job(queue=QUEUE, timeout=60)
def transfer_timeout(conversation_id: int, transfer_id: str) -> bool:
    """Give the chat back to its sender if the transfer is still waiting; returns whether
    it was."""
    with app_context():
        return transfers.timed_out(conversation_id, transfer_id)
