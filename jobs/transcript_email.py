"""The transcript emailed to the visitor when their conversation closed (see
services/chat/transcript_email.py). An SMTP server that refuses or is down fails the job,
which is tried again after 1, 5 and 30 minutes, then stays in the failed jobs for ops; the
conversation stays closed whatever happens here."""

from __future__ import annotations

from rq import Retry

from jobs import app_context, job
from liveapp.services.chat import transcript_email

RETRY = Retry(max=3, interval=[60, 300, 1800])


@job(queue="low", timeout=120, retry=RETRY)
def email_transcript(conversation_id: int) -> bool:
    """Send the conversation's transcript to the visitor (once); returns whether sent."""
    with app_context():
        return transcript_email.send(conversation_id)
