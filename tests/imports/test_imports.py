"""Settings → Imports: ABM and marketing CSV files, all or nothing, admin only."""

import io

import pytest
from sqlalchemy import func, select

from liveapp.demo import seeding
from liveapp.extensions import db
from liveapp.models import AbmAccount, MarketingRecord
from tests.tracking.conftest import api, site  # noqa: F401
from tests.visitor_ids import VisitorId

ABM_OK = b"domain,tier,name\nacme.example,1,Acme\nhttps://www.globex.example/about,B,Globex\n"
MARKETING_OK = (b"email,lead_score,lifecycle_stage\n"
                b"ann@acme.example,80,MQL\nbo@globex.example,20,lead\n")


def _upload(browser, kind, content, name="data.csv"):
    return browser.post(f"/settings/imports/{kind}", {
        f"{kind}-file": (io.BytesIO(content), name),
        f"{kind}-csrf_token": browser.csrf("/settings/imports/"),
    }, content_type="multipart/form-data")


def _count(model):
    db.session.expire_all()
    return db.session.scalar(select(func.count(model.id)))


def test_abm_import_then_update(as_admin, app_ctx):
    response = _upload(as_admin, "abm", ABM_OK)
    assert response.status_code == 303
    assert {(a.domain, a.tier) for a in db.session.scalars(select(AbmAccount))} == {
        ("acme.example", "1"), ("globex.example", "2")}
    again = _upload(as_admin, "abm", b"domain,tier\nacme.example,3\n")
    assert again.status_code == 303
    assert "0 added, 1 updated" in as_admin.get("/settings/imports/").get_data(as_text=True)
    db.session.expire_all()
    tier = select(AbmAccount.tier).where(AbmAccount.domain == "acme.example")
    assert db.session.scalar(tier) == "3"


def test_marketing_import(as_admin, app_ctx):
    assert _upload(as_admin, "marketing", MARKETING_OK).status_code == 303
    assert _count(MarketingRecord) == 2


@pytest.mark.parametrize(("kind", "content", "message"), [
    ("abm", b"domain,tier\nacme.example,1\nnot a domain,2\n", "line 3, column domain"),
    ("abm", b"domain,tier\nacme.example,9\n", "column tier"),
    ("abm", b"name\nAcme\n", "domain"),
    ("marketing", b"email,lead_score,lifecycle_stage\nann@acme.example,101,mql\n",
     "column lead_score"),
    ("marketing", b"email,lead_score,lifecycle_stage\nnope,5,mql\n", "column email"),
    ("marketing", b"\xff\xfe\x00bad", "UTF-8"),
])
def test_bad_file_imports_nothing_and_names_the_rows(as_admin, app_ctx, kind, content, message):
    response = _upload(as_admin, kind, content)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Nothing was imported" in page and message in page
    assert _count(AbmAccount) == 0 and _count(MarketingRecord) == 0


def test_missing_file(as_admin, app_ctx):
    response = as_admin.post("/settings/imports/abm", {})
    assert response.status_code == 422
    assert b"Choose a CSV file to import" in response.data


def test_errors_are_escaped(as_admin, app_ctx):
    page = _upload(as_admin, "abm", b"domain,tier\n<script>x</script>,1\n").get_data(as_text=True)
    assert "<script>x</script>" not in page


def test_unknown_kind_is_404(as_admin):
    assert as_admin.post("/settings/imports/salaries", {}).status_code == 404


@pytest.mark.parametrize("method", ["get", "post"])
def test_reps_get_403(as_rep, method):
    path = "/settings/imports/" if method == "get" else "/settings/imports/abm"
    assert getattr(as_rep, method)(path).status_code == 403


def test_import_enriches_live_visitors(api, app_ctx, as_admin):  # noqa: F811
    from liveapp.services.crm import visitor_enrichment

    vid = VisitorId()
    api.send(visitor_id=vid)
    from liveapp.extensions import redis

    redis.client.delete(visitor_enrichment.pending_key(vid))
    assert _upload(as_admin, "abm", ABM_OK).status_code == 303
    assert redis.client.exists(visitor_enrichment.pending_key(vid))


def test_demo_samples_import_cleanly(app_ctx):
    seeding.seed_samples()
    assert _count(AbmAccount) > 0 and _count(MarketingRecord) > 0
    seeding.seed_samples()  # idempotent
