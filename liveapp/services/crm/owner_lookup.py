"""CRM owner resolution for a visitor: requested when the visitor becomes identifiable,
run by `jobs.crm.resolve_crm`, stored on ``visitor.crm`` and announced as a "crm" change.

``visitor.crm`` holds one entry per enabled CRM, each with ``status`` "ok" | "not_found" |
"unavailable" (then ``reason``: down | rate_limited | auth | timeout | bad_answer):

- ``salesforce``: record_type ("Contact" | "Lead" | None: only an Account matched),
  record_id, owner_id, owner_email, owner_name, owner_active, account_id, account_name,
  account_owner_id, account_owner_email, account_owner_name, account_match_rule,
  converted_from_lead, account_team [{user_id, role, email}] (enterprise installations);
- ``outreach`` / ``salesloft``: prospect_id, owner_id, owner_email, sender_id, sender_email;

plus ``email`` (what was looked up) and ``resolved_at``. Successful look-ups are cached in
Redis per CRM, settings version and email/company for CACHE_TTL, so repeat visitors do not
query the CRMs again; an unavailable answer is not cached.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from typing import Any

from flask import current_app

from jobs import crm as crm_jobs
from liveapp import metrics
from liveapp.domain.routing.inputs import CrmFacts, EngagementFacts, SalesforceFacts
from liveapp.extensions import db, redis
from liveapp.integrations.crm_types import CrmUnavailable, ProspectOwnership
from liveapp.integrations.salesforce import SalesforceClient
from liveapp.models import Integration, Visitor
from liveapp.services.bus import changes, pending_jobs
from liveapp.services.crm import crm_settings
from liveapp.services.crm.visitor_enrichment import email_domain

log = logging.getLogger(__name__)

PENDING_TTL = 60  # a lost job stops blocking new requests after this many seconds
# Routing waits only its own short while for a look-up; this only bounds a marker whose job
# was lost (a look-up a CRM did not answer is no longer in flight while it waits to retry).
IN_FLIGHT_TTL = 60
CACHE_TTL = 15 * 60
USER_TTL = 60 * 60  # Salesforce user names, for explanations and the card
COMPANY_FIELDS = frozenset({"company_name", "company_domain"})


# ---------------------------------------------------------------- requesting


def pending_key(visitor_id: str) -> str:
    return pending_jobs.pending_key("crm", visitor_id)


def in_flight_key(visitor_id: str) -> str:
    return redis.key("crm", "in-flight", visitor_id)


def request(visitor_id: str) -> bool:
    """Enqueue the job `jobs.crm.resolve_crm` unless one is already waiting; True if queued.

    With a CRM enabled, the visitor's look-up is marked in flight until the job ends (see
    `in_flight`): routing waits a moment for it rather than deciding without it.
    """
    if crm_settings.enabled_rows():
        redis.client.set(in_flight_key(visitor_id), "1", ex=IN_FLIGHT_TTL)
    return pending_jobs.request("crm", visitor_id, crm_jobs.resolve_crm, pending_ttl=PENDING_TTL)


def started(visitor_id: str) -> None:
    """The job began: a later change may ask again (that run will see it)."""
    pending_jobs.started("crm", visitor_id)


def finished(visitor_id: str) -> None:
    """The look-up ended with an answer, or failed for good (no retry left)."""
    redis.client.delete(in_flight_key(visitor_id))


def in_flight(visitor_id: str) -> bool:
    """Whether a CRM look-up for this visitor is queued, running or retrying."""
    return bool(redis.client.exists(in_flight_key(visitor_id)))


def on_change(change: changes.Change) -> None:
    """Subscriber: an email became known, or enrichment matched a company."""
    if change.kind == "identify" or (
        change.kind == "enrichment" and COMPANY_FIELDS & set(change.data)
    ):
        try:
            request(change.visitor_id)
        except Exception:  # the event is recorded; the next change asks again
            log.exception("could not request CRM resolution for %s", change.visitor_id)


# ---------------------------------------------------------------- resolving


def resolve(visitor_id: str) -> dict:
    """Look the visitor up in every enabled CRM, store and announce the result.

    Idempotent: an unchanged result is neither written nor announced. Returns visitor.crm.
    """
    visitor = db.session.get(Visitor, visitor_id)
    if visitor is None:
        return {}
    email = (visitor.email or "").strip().lower() or None
    company = visitor.company_name
    domain = visitor.company_domain or email_domain(email)
    if not (email or company or domain):
        return visitor.crm or {}
    rows = crm_settings.enabled_rows()
    if not rows and not visitor.crm:
        return {}
    results = _lookup_all(rows, email, company, domain)
    old = {k: v for k, v in (visitor.crm or {}).items() if k != "resolved_at"}
    if old == {**results, "email": email}:
        return visitor.crm
    visitor.crm = {**results, "email": email, "resolved_at": time.time()}
    db.session.commit()
    changes.publish(visitor_id, "crm", **{name: r["status"] for name, r in results.items()})
    return visitor.crm


def _lookup_all(rows: list[Integration], email: str | None, company: str | None,
                domain: str | None) -> dict[str, dict]:
    """Every CRM at once (a look-up waits on the slowest CRM, not on their sum)."""
    if len(rows) < 2:
        return {row.name: _lookup(row, email, company, domain) for row in rows}
    app = current_app._get_current_object()

    def one(row: Integration) -> dict:
        with app.app_context():  # its own DB session, for tokens a client renews
            return _lookup(row, email, company, domain)

    with ThreadPoolExecutor(max_workers=len(rows), thread_name_prefix="crm") as pool:
        return dict(zip([row.name for row in rows], pool.map(one, rows), strict=True))


def _lookup(row: Integration, email: str | None, company: str | None,
            domain: str | None) -> dict:
    """One CRM's answer: cached, fetched, or unavailable (never raises CrmUnavailable)."""
    if row.name != "salesforce" and not email:
        return {"status": "not_found", "reason": "no email"}
    team = row.name == "salesforce" and bool(current_app.config.get("ENTERPRISE_FEATURES"))
    key = cache_key(row, email, company if row.name == "salesforce" else None,
                    domain if row.name == "salesforce" else None, team)
    cached = redis.client.get(key)
    if cached is not None:
        metrics.crm_looked_up(row.name, "cached")
        return json.loads(cached)
    started = time.perf_counter()
    try:
        client = crm_settings.client_for(row)
        found = LOOKUPS[row.name](client, row, email, company, domain, team)
    except CrmUnavailable as error:
        metrics.crm_looked_up(row.name, "unavailable", time.perf_counter() - started)
        log.warning("CRM look-up unavailable: %s", error,
                    extra={"service": row.name, "reason": error.reason})
        return {"status": "unavailable", "reason": error.reason, "detail": error.detail[:300]}
    metrics.crm_looked_up(row.name, found.get("status", "ok"), time.perf_counter() - started)
    redis.client.set(key, json.dumps(found), ex=CACHE_TTL)
    return found


def cache_key(row: Integration, email: str | None, company: str | None, domain: str | None,
              team: bool = False) -> str:
    what = "\n".join([email or "", (company or "").lower(), (domain or "").lower(), str(team)])
    digest = hashlib.sha256(what.encode()).hexdigest()[:32]
    return redis.key("crm", "cache", row.name, row.version, digest)


def _salesforce(client: SalesforceClient, row: Integration, email: str | None,
                company: str | None, domain: str | None, team: bool) -> dict:
    if email:
        match = client.find_person(email, company)
        found = asdict(match) if match else None
    else:
        account = client.match_account(domain, company)
        found = _account_only(asdict(account)) if account else None
    if found is None:
        return {"status": "not_found"}
    found["owner_name"] = _user_name(client, row, found["owner_id"])
    found["account_owner_name"] = _user_name(client, row, found["account_owner_id"])
    members = client.account_team(found["account_id"]) if team and found["account_id"] else []
    found["account_team"] = [{"user_id": m.user_id, "role": m.role, "email": m.email}
                             for m in members]
    return {"status": "ok", **found}


def _account_only(account: dict) -> dict:
    return {
        "record_type": None, "record_id": None, "owner_id": None, "owner_email": None,
        "owner_active": None, "account_id": account["account_id"],
        "account_name": account["name"], "account_owner_id": account["owner_id"],
        "account_owner_email": account["owner_email"], "converted_from_lead": False,
        "account_match_rule": account["match_rule"],
    }


def _user_name(client: SalesforceClient, row: Integration, user_id: str | None) -> str | None:
    """A Salesforce user's name, cached; best effort (a name is only for people to read)."""
    if not user_id:
        return None
    key = redis.key("crm", "sf-user", row.version, user_id)
    cached = redis.client.get(key)
    if cached is not None:
        return cached.decode() or None
    try:
        user = client.user(user_id)
    except CrmUnavailable:
        return None
    redis.client.set(key, (user.name or "") if user else "", ex=USER_TTL)
    return user.name if user else None


def _engagement(found: ProspectOwnership | None) -> dict:
    if found is None:
        return {"status": "not_found"}
    return {"status": "ok", "prospect_id": found.prospect_id, "owner_id": found.owner_id,
            "owner_email": found.owner_email, "sender_id": found.sender_id,
            "sender_email": found.sender_email}


LOOKUPS: dict[str, Callable[..., dict]] = {
    "salesforce": _salesforce,
    "outreach": lambda client, row, email, *_: _engagement(client.find_prospect(email)),
    "salesloft": lambda client, row, email, *_: _engagement(client.find_person(email)),
}


# ---------------------------------------------------------------- facts for routing


def crm_facts_for(visitor: Visitor, configured: Collection[str] | None = None,
                  in_flight: bool = False) -> CrmFacts:
    """What routing reads of the visitor's CRM look-ups.

    `configured`: the enabled CRMs (None: those with an answer on the visitor). A CRM not
    configured is None; a configured one with no answer yet is pending while its look-up
    is `in_flight`, else not looked up.
    """
    crm = visitor.crm or {}
    names = {n for n in crm if n in LOOKUPS} if configured is None else set(configured)

    def facts(name: str, build: Callable[[dict], Any], kind: Any) -> Any:
        if name not in names:
            return None
        if crm.get(name):
            return build(crm[name])
        return kind.pending() if in_flight else kind.not_looked_up()

    return CrmFacts(
        outreach=facts("outreach", engagement_facts, EngagementFacts),
        salesloft=facts("salesloft", engagement_facts, EngagementFacts),
        salesforce=facts("salesforce", salesforce_facts, SalesforceFacts),
    )


def routing_facts(visitor: Visitor) -> CrmFacts:
    """`crm_facts_for` with what is configured now and whether a look-up is in flight."""
    configured = {row.name for row in crm_settings.enabled_rows()}
    return crm_facts_for(visitor, configured, in_flight(visitor.id))


def _reason(entry: dict) -> str:
    return str(entry.get("reason") or "unknown").replace("_", " ")


def engagement_facts(entry: dict | None) -> EngagementFacts | None:
    if not entry:
        return None
    if entry.get("status") == "unavailable":
        return EngagementFacts.unavailable(_reason(entry))
    if entry.get("status") == "not_found":
        return EngagementFacts.not_found()
    return EngagementFacts(prospect_owner_email=entry.get("owner_email"),
                           sender_email=entry.get("sender_email"))


def salesforce_facts(entry: dict | None) -> SalesforceFacts | None:
    if not entry:
        return None
    if entry.get("status") == "unavailable":
        return SalesforceFacts.unavailable(_reason(entry))
    if entry.get("status") == "not_found":
        return SalesforceFacts.not_found()
    team = tuple((m["user_id"], m.get("role") or "") for m in entry.get("account_team") or ()
                 if m.get("user_id"))
    return SalesforceFacts(
        record_type=entry.get("record_type"), owner_user_id=entry.get("owner_id"),
        owner_name=entry.get("owner_name"), account_owner_user_id=entry.get("account_owner_id"),
        account_owner_name=entry.get("account_owner_name"), account_team=team,
    )


def status_of(crm: dict[str, Any] | None, name: str) -> str | None:
    """A CRM's status on ``visitor.crm`` (None when it was not looked up)."""
    entry = (crm or {}).get(name)
    return entry.get("status", "ok") if isinstance(entry, dict) else None
