"""The enrichment job: queued once per visitor, run by a real RQ worker."""

from __future__ import annotations

import importlib.util
import os

import pytest

from liveapp.extensions import db, queue, redis
from liveapp.models import AbmAccount, MarketingRecord, Visitor
from tests.rq_workers import SimpleWorker
from tests.visitor_ids import VisitorId


def _has_directory() -> bool:
    try:
        return importlib.util.find_spec("liveapp.integrations.company_directory") is not None
    except ModuleNotFoundError:  # no liveapp.integrations package at all
        return False


HAS_DIRECTORY = _has_directory()


@pytest.fixture
def job_app(app, monkeypatch):
    import jobs

    monkeypatch.setattr(jobs, "_app", app)
    monkeypatch.setattr(jobs, "_app_pid", os.getpid())
    return app


def run_low_queue() -> None:
    SimpleWorker([queue("low")], connection=redis.client, serializer="json").work(
        burst=True, max_jobs=20)


def test_a_new_visitor_queues_one_enrichment(api, app_ctx):
    vid = VisitorId()
    api.send(visitor_id=vid)
    api.send(visitor_id=vid, url="https://www.example.com/b")
    assert queue("low").count == 1
    api.send(visitor_id=vid, type="identify", email="a@b.example", url=...)
    assert queue("low").count == 1  # the queued job will see the email


def test_abm_and_marketing_data_through_a_real_worker(api, app_ctx, job_app, published):
    db.session.add_all([AbmAccount(domain="acme.example", tier="1", name="Acme"),
                        MarketingRecord(email="jo@acme.example", lead_score=87,
                                        lifecycle_stage="MQL")])
    db.session.commit()
    vid = VisitorId()
    api.send(visitor_id=vid, type="identify", email="Jo@Acme.example", url=...)
    run_low_queue()
    db.session.expire_all()
    visitor = db.session.get(Visitor, vid)
    assert visitor.abm_target is True and visitor.abm_tier == "1"
    assert visitor.lead_score == 87 and visitor.lifecycle_stage == "MQL"
    assert visitor.enriched_at is not None
    enrichment = [c for c in published if c.kind == "enrichment"]
    assert enrichment and enrichment[-1].data["lead_score"] == 87
    # Running again changes nothing and publishes nothing.
    from jobs.enrichment import enrich_visitor

    published.clear()
    assert enrich_visitor(vid) == {}
    assert published == []


@pytest.mark.skipif(not HAS_DIRECTORY,
                    reason="liveapp.integrations.company_directory is not on this branch yet")
def test_company_by_email_domain_through_the_directory(api, app_ctx, job_app):
    from liveapp.integrations.company_directory import CompanyDirectory

    directory = CompanyDirectory.default()
    company = next(iter(directory.companies)) if hasattr(directory, "companies") else None
    if company is None:
        pytest.skip("the directory does not list its companies")
    vid = VisitorId()
    api.send(visitor_id=vid, type="identify", email=f"x@{company.domain}", url=...)
    run_low_queue()
    db.session.expire_all()
    assert db.session.get(Visitor, vid).company_name == company.name


@pytest.mark.skipif(not HAS_DIRECTORY,
                    reason="liveapp.integrations.company_directory is not on this branch yet")
def test_company_by_reverse_ip_through_the_directory(app, api, app_ctx, job_app, monkeypatch,
                                                     published):
    import ipaddress

    from liveapp.integrations.company_directory import CompanyDirectory

    monkeypatch.setitem(app.config, "TRUSTED_PROXY_COUNT", 1)
    company = next(c for c in CompanyDirectory.default().companies if c.ip_range)
    ip = str(ipaddress.IPv4Network(company.ip_range).network_address + 7)
    vid = VisitorId()
    assert api.send(visitor_id=vid, headers={"X-Forwarded-For": ip}).status_code == 202
    run_low_queue()
    db.session.expire_all()
    visitor = db.session.get(Visitor, vid)
    assert (visitor.company_name, visitor.company_domain) == (company.name, company.domain)
    assert visitor.industry == company.industry and visitor.city == company.city
    assert [c for c in published if c.kind == "enrichment"]
