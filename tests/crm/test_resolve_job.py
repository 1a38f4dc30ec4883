"""resolve_crm through a real RQ worker against the sandbox over HTTPS: dedup, retry,
cache, and CRMs that are down or rate limited."""

from __future__ import annotations

import uuid

from rq.job import Job

from liveapp.demo.crm_sandbox.fixture import DEMO_OWNERS, FORMER_OWNER
from liveapp.domain.routing.inputs import EngagementFacts, SalesforceFacts
from liveapp.extensions import db, queue, redis
from liveapp.models import Visitor
from liveapp.services.bus import changes
from liveapp.services.crm import crm_settings, owner_lookup

# In the bundled fixture: a Salesforce Contact (owned by a former user, as is its Account)
# and an Outreach prospect; not a Salesloft person.
CONTACT = "morgan.moreau0@northwindanalytics.example"
DEMO_REP_IDS = {sid for local, _name, sid in DEMO_OWNERS if sid and local != "admin"}


def crm_of(visitor_id: str) -> dict:
    db.session.expire_all()
    return db.session.get(Visitor, visitor_id).crm


def test_an_identify_event_queues_one_resolution(app, app_ctx, connected, make_visitor):
    visitor = make_visitor(email=CONTACT)
    changes.publish(visitor.id, "identify", email=CONTACT)
    changes.publish(visitor.id, "enrichment", company_name="Northwind Analytics")
    changes.publish(visitor.id, "enrichment", lead_score=3)  # no company: no new request
    assert queue("default").count == 1
    job = queue("default").jobs[0]
    assert job.func_name == "jobs.crm.resolve_crm" and job.args == [visitor.id]
    assert job.retries_left == 5 and job.retry_intervals == [2, 5, 15, 60, 240]


def test_resolved_through_a_worker(connected, make_visitor, run_jobs, published):
    visitor = make_visitor(email=CONTACT, company_name="Northwind Analytics")
    assert owner_lookup.request(visitor.id) and not owner_lookup.request(visitor.id)  # deduplicated
    run_jobs()
    result = crm_of(visitor.id)
    sf = result["salesforce"]
    assert sf["status"] == "ok" and sf["record_type"] == "Contact"
    assert sf["owner_id"] == FORMER_OWNER[2] and sf["owner_name"] == "Fran Former"
    assert sf["account_name"] and sf["account_owner_id"] == FORMER_OWNER[2]
    assert result["outreach"]["status"] == "ok"
    assert result["outreach"]["owner_email"].endswith("@demo.liveapp.test")
    assert result["salesloft"] == {"status": "not_found"}
    assert result["email"] == CONTACT
    [change] = [c for c in published if c.kind == "crm"]
    assert change.visitor_id == visitor.id
    assert change.data == {"salesforce": "ok", "outreach": "ok", "salesloft": "not_found"}
    assert queue("default").finished_job_registry.count == 1


def test_two_requests_make_one_look_up(connected, make_visitor, run_jobs, requests_made):
    visitor = make_visitor(email=CONTACT)
    before = requests_made()
    owner_lookup.request(visitor.id)
    owner_lookup.request(visitor.id)
    run_jobs()
    once = requests_made()
    assert once["salesforce"] > before["salesforce"] and once["outreach"] > before["outreach"]
    assert queue("default").finished_job_registry.count == 1
    # Idempotent: running the job again asks nothing (cache) and announces nothing.
    from jobs.crm import resolve_crm

    resolved_at = crm_of(visitor.id)["resolved_at"]
    assert resolve_crm(visitor.id) == {"salesforce": "ok", "outreach": "ok",
                                       "salesloft": "not_found"}
    assert requests_made() == once and crm_of(visitor.id)["resolved_at"] == resolved_at


def test_a_repeat_visitor_is_answered_from_the_cache(connected, make_visitor, run_jobs,
                                                     requests_made):
    first = make_visitor(email=CONTACT)
    owner_lookup.request(first.id)
    run_jobs()
    before = requests_made()
    second = make_visitor(email=CONTACT.upper())
    owner_lookup.request(second.id)
    run_jobs()
    assert requests_made() == before
    assert crm_of(second.id)["salesforce"] == crm_of(first.id)["salesforce"]


def test_a_crm_that_is_down_is_recorded_unavailable(connected, make_visitor, run_jobs,
                                                    control, published):
    control.fault("outreach", "/", "500", count=None)
    visitor = make_visitor(email=CONTACT)
    owner_lookup.request(visitor.id)
    job_id = queue("default").job_ids[0]
    run_jobs()
    result = crm_of(visitor.id)
    assert result["outreach"]["status"] == "unavailable"
    assert result["outreach"]["reason"] == "down"
    assert result["salesforce"]["status"] == "ok"
    assert [c.data["outreach"] for c in published if c.kind == "crm"] == ["unavailable"]
    assert queue("default").failed_job_registry.count == 0
    # Routing goes on without Outreach now; the look-up is tried again after a backoff
    # (and routing is told once it answers), no longer waited for meanwhile.
    assert Job.fetch(job_id, connection=redis.client, serializer="json").get_status() == (
        "scheduled")
    assert not owner_lookup.in_flight(visitor.id)
    # Unavailable answers are not cached: the next run asks again and gets through.
    control.reset()
    owner_lookup.request(visitor.id)
    run_jobs()
    assert crm_of(visitor.id)["outreach"]["status"] == "ok"


def test_rate_limits_are_recorded(connected, make_visitor, run_jobs, control):
    # Retry-After longer than the client may wait: it gives up at once.
    control.fault("salesloft", "/v2/people", "429", count=None, retry_after=60)
    control.fault("salesforce", "/services/data", "429", count=None)
    visitor = make_visitor(email="casey.smith1@northwindanalytics.example")
    owner_lookup.request(visitor.id)
    run_jobs()
    result = crm_of(visitor.id)
    assert result["salesloft"] == {"status": "unavailable", "reason": "rate_limited",
                                   "detail": result["salesloft"]["detail"]}
    assert result["salesforce"]["reason"] == "rate_limited"
    facts = owner_lookup.crm_facts_for(db.session.get(Visitor, visitor.id))
    assert facts.salesloft == EngagementFacts.unavailable("rate limited")
    assert facts.salesforce == SalesforceFacts.unavailable("rate limited")


def test_unexpected_errors_are_retried(connected, make_visitor, run_jobs, app):
    visitor = make_visitor(email=CONTACT)
    outreach = crm_settings.get("outreach")
    # A corrupt cache entry is a bug, not a CRM answer: the job fails and is retried.
    poisoned = owner_lookup.cache_key(outreach, CONTACT, None, None)
    redis.client.set(poisoned, b"{not json")
    owner_lookup.request(visitor.id)
    job_id = queue("default").job_ids[0]
    run_jobs()
    job = Job.fetch(job_id, connection=redis.client, serializer="json")
    assert job.get_status() == "scheduled" and job.retries_left == 4
    assert job_id in queue("default").scheduled_job_registry.get_job_ids()
    redis.client.delete(poisoned)
    queue("default").scheduled_job_registry.remove(job)
    queue("default").enqueue_job(job)  # what the scheduler does when the backoff is over
    run_jobs()
    assert Job.fetch(job_id, connection=redis.client, serializer="json").get_status() == (
        "finished")
    assert crm_of(visitor.id)["outreach"]["status"] == "ok"


def test_a_company_without_email_gets_its_account(connected, make_visitor, run_jobs):
    visitor = make_visitor(company_name="Northwind Analytics",
                           company_domain="northwindanalytics.example")
    owner_lookup.request(visitor.id)
    run_jobs()
    result = crm_of(visitor.id)
    assert result["salesforce"]["status"] == "ok"
    assert result["salesforce"]["record_type"] is None
    assert result["salesforce"]["account_owner_id"]
    assert result["outreach"] == {"status": "not_found", "reason": "no email"}


def test_account_team_on_enterprise_installations(connected, make_visitor, run_jobs, app,
                                                  monkeypatch):
    from liveapp.demo.crm_sandbox.fixture import build

    objects = build()["salesforce"]["objects"]
    with_team = {m["AccountId"] for m in objects["AccountTeamMember"]}
    contact = next(c for c in objects["Contact"] if c["AccountId"] in with_team)
    monkeypatch.setitem(app.config, "ENTERPRISE_FEATURES", True)
    visitor = make_visitor(email=contact["Email"])
    owner_lookup.request(visitor.id)
    run_jobs()
    team = crm_of(visitor.id)["salesforce"]["account_team"]
    assert len(team) == 2 and all(m["user_id"] in DEMO_REP_IDS for m in team)
    facts = owner_lookup.crm_facts_for(db.session.get(Visitor, visitor.id)).salesforce
    assert facts.status == "ok" and len(facts.account_team) == 2


def test_disabled_crms_are_not_asked(connected, make_visitor, run_jobs, requests_made):
    crm_settings.save("salesloft", enabled=False, values={})
    visitor = make_visitor(email=CONTACT)
    before = requests_made()
    owner_lookup.request(visitor.id)
    run_jobs()
    assert requests_made()["salesloft"] == before["salesloft"]
    assert "salesloft" not in crm_of(visitor.id)
    assert owner_lookup.crm_facts_for(db.session.get(Visitor, visitor.id)).salesloft is None


def test_a_visitor_gone_before_the_job_runs(connected, run_jobs, app_ctx):
    owner_lookup.request(str(uuid.uuid4()))
    run_jobs()
    assert queue("default").failed_job_registry.count == 0


def test_crm_facts_for_routing(app_ctx):
    visitor = Visitor(crm={
        "salesforce": {"status": "ok", "record_type": "Lead", "owner_id": "005A",
                       "owner_name": "Ann", "account_owner_id": "005B",
                       "account_owner_name": "Bob",
                       "account_team": [{"user_id": "005C", "role": "Sales Engineer"}]},
        "outreach": {"status": "ok", "owner_email": "o@x.test", "sender_email": "s@x.test"},
        "salesloft": {"status": "not_found"},
    })
    facts = owner_lookup.crm_facts_for(visitor)
    assert facts.salesforce == SalesforceFacts(
        record_type="Lead", owner_user_id="005A", owner_name="Ann",
        account_owner_user_id="005B", account_owner_name="Bob",
        account_team=(("005C", "Sales Engineer"),))
    assert facts.outreach == EngagementFacts(prospect_owner_email="o@x.test",
                                             sender_email="s@x.test")
    assert facts.salesloft == EngagementFacts.not_found()
    assert owner_lookup.crm_facts_for(Visitor(crm={})).salesforce is None


def test_the_sandbox_settings_are_saved_once(connected, app_ctx):
    rows = crm_settings.all_rows()
    assert all(row.enabled for row in rows.values())
    versions = {name: row.version for name, row in rows.items()}
    assert crm_settings.save_all(connected.settings()) == []
    assert {n: r.version for n, r in crm_settings.all_rows().items()} == versions


def test_demo_points_the_integrations_at_a_running_sandbox(app_ctx, sandbox, tmp_path):
    from liveapp.demo import seeding
    from liveapp.demo.crm_sandbox import server

    assert seeding.connect_crm_sandbox(tmp_path, timeout=0.2) is None
    server.write_settings(tmp_path / server.SETTINGS_FILE, sandbox)
    assert seeding.connect_crm_sandbox(tmp_path) == sandbox.url
    assert seeding.connect_crm_sandbox(tmp_path) == sandbox.url  # idempotent
    assert all(row.enabled and row.version == 1 for row in crm_settings.all_rows().values())
    seeding.forget_crm_sandbox(tmp_path)
    assert server.load_settings(tmp_path) is None
    names = [name for name, _argv in seeding.extra_processes("http://127.0.0.1:8000")]
    assert names == ["crm-sandbox", "simulator", "reps"]


def test_simulated_identities_are_known_to_the_sandbox(identities):
    from liveapp.demo import visitors

    known = visitors.crm_identities()
    assert known and set(known) <= {i["email"] for i in identities}


def test_the_visitor_page_shows_what_the_crms_said(as_admin, connected, make_visitor,
                                                   run_jobs, control):
    control.fault("salesloft", "/", "500", count=None)
    visitor = make_visitor(email=CONTACT)
    owner_lookup.request(visitor.id)
    run_jobs()
    page = as_admin.get(f"/settings/visitors/{visitor.id}").get_data(as_text=True)
    assert "Contact, owner Fran Former (inactive)" in page
    assert "owner cara@demo.liveapp.test" in page  # the Outreach prospect's owner
    assert "unavailable (down)" in page


def test_renewed_tokens_are_saved(connected, make_visitor, run_jobs, control, app_ctx):
    old = {name: crm_settings.full_settings(crm_settings.get(name))
           for name in ("salesforce", "outreach")}
    control.expire("outreach", old["outreach"]["access_token"])
    control.expire("salesforce", old["salesforce"]["session_id"])
    visitor = make_visitor(email=CONTACT)
    owner_lookup.request(visitor.id)
    run_jobs()
    assert crm_of(visitor.id)["outreach"]["status"] == "ok"
    assert crm_of(visitor.id)["salesforce"]["status"] == "ok"
    db.session.expire_all()
    new = {name: crm_settings.full_settings(crm_settings.get(name))
           for name in ("salesforce", "outreach")}
    assert new["outreach"]["access_token"] != old["outreach"]["access_token"]
    assert new["salesforce"]["session_id"] != old["salesforce"]["session_id"]
    assert crm_settings.get("outreach").version == 1  # not a settings change


def test_a_slow_crm_times_out_and_is_recorded(connected, make_visitor, run_jobs, control):
    settings = crm_settings.full_settings(crm_settings.get("salesloft"))
    crm_settings.save("salesloft", enabled=True, values={**settings, "timeout": "1"})
    control.fault("salesloft", "/v2/people", "slow", delay=2.5, count=1)
    visitor = make_visitor(email="casey.smith1@northwindanalytics.example")
    owner_lookup.request(visitor.id)
    run_jobs()
    result = crm_of(visitor.id)
    assert result["salesloft"]["status"] == "unavailable"
    assert result["salesloft"]["reason"] == "timeout"
    assert result["salesforce"]["status"] == "ok"
