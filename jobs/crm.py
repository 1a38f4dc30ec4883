"""CRM jobs."""

from __future__ import annotations

from rq import Retry, get_current_job

from jobs import app_context, job
from liveapp.services.crm import owner_lookup

# A CRM that did not answer is asked again after 2 s, 5 s, 15 s, 1 min and 4 min.
RETRY = Retry(max=5, interval=[2, 5, 15, 60, 240])


class LookupIncomplete(Exception):
    """A CRM did not answer (down, rate limited, too slow): the look-up is tried again."""


@job(queue="default", timeout=180, retry=RETRY)
def resolve_crm(visitor_id: str) -> dict:
    """Salesforce owner, Outreach/Salesloft owner and sender for one visitor (idempotent);
    returns each enabled CRM's status. When a CRM did not answer, its "unavailable" is
    stored (routing goes on without it, saying why) and the job fails to be retried with
    backoff (`RETRY`): once the CRM answers, its "crm" change re-routes the visitor."""
    with app_context():
        owner_lookup.started(visitor_id)
        try:
            result = owner_lookup.resolve(visitor_id)
        except Exception:
            if _last_attempt():  # routing stops waiting for an answer that won't come
                owner_lookup.finished(visitor_id)
            raise
        owner_lookup.finished(visitor_id)
        statuses = {name: owner_lookup.status_of(result, name)
                    for name in ("salesforce", "outreach", "salesloft") if name in result}
        unanswered = sorted(name for name, status in statuses.items()
                            if status == "unavailable")
        if unanswered and not _last_attempt():
            raise LookupIncomplete(f"{', '.join(unanswered)} did not answer; tried again")
        return statuses


def _last_attempt() -> bool:
    job = get_current_job()
    return job is None or not job.retries_left
