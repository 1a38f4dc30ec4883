"""The sandbox's wire details, over real HTTPS, and its demo fixture."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from liveapp.demo.crm_sandbox import fixture as demo_fixture
from liveapp.demo.crm_sandbox import server
from liveapp.demo.crm_sandbox.state import DEFAULT_FIXTURE
from liveapp.demo.seeding import DEMO_USERS
from liveapp.domain.salesforce_ids import canonical_or_none
from liveapp.integrations.account_match import normalise_domain
from liveapp.integrations.salesforce import SalesforceClient
from liveapp.integrations.tls import httpx_verify
from tests.integrations import crm_data

SF = "/services/data/v59.0"


@pytest.fixture
def http(sandbox, control):
    with httpx.Client(base_url=sandbox.url, verify=httpx_verify(sandbox.tls.ca_bundle),
                      timeout=5) as client:
        yield client


def sf_get(http, path, token="sf-session-1", **params):
    return http.get(SF + path, params=params, headers={"Authorization": f"Bearer {token}"})


def test_plain_http_is_refused_by_tls(sandbox):
    with pytest.raises(httpx.HTTPError):
        httpx.get(sandbox.url.replace("https", "http") + "/_sandbox/health", timeout=2)


def test_untrusted_without_the_ca(sandbox):
    with pytest.raises(httpx.ConnectError):
        httpx.get(sandbox.url + "/_sandbox/health", timeout=2, verify=True)


def test_salesforce_query_shape_and_limit_header(http):
    response = sf_get(http, "/query", q="SELECT Id, Owner.Email, Account.Name FROM Contact "
                      "WHERE Email = 'jane@acme.test'")
    assert response.status_code == 200
    assert response.headers["Sforce-Limit-Info"].startswith("api-usage=")
    body = response.json()
    assert (body["totalSize"], body["done"]) == (1, True)
    record = body["records"][0]
    assert record["attributes"] == {"type": "Contact",
                                    "url": f"{SF}/sobjects/Contact/003A00000000001"}
    assert record["Owner"]["attributes"]["type"] == "User"
    assert record["Owner"]["Email"] == "bob@team.liveapp.test"
    assert record["Account"]["Name"] == "Acme, Inc."


def test_salesforce_next_records_url_paging(http):
    first = sf_get(http, "/query", q="SELECT Id FROM Account WHERE Website LIKE '%paged%'").json()
    assert (first["totalSize"], first["done"], len(first["records"])) == (5, False, 2)
    ids = [r["Id"] for r in first["records"]]
    page = first
    while not page["done"]:
        page = http.get(page["nextRecordsUrl"],
                        headers={"Authorization": "Bearer sf-session-1"}).json()
        ids += [r["Id"] for r in page["records"]]
    assert len(set(ids)) == 5


@pytest.mark.parametrize(("q", "code"), [
    ("SELECT Id FROM Contact WHERE", "MALFORMED_QUERY"),
    ("SELECT Nope FROM Contact", "INVALID_FIELD"),
    ("SELECT Id FROM Widget", "MALFORMED_QUERY"),
    ("SELECT Owner.Nope FROM Contact", "INVALID_FIELD"),
])
def test_salesforce_query_errors_are_json_lists(http, q, code):
    response = sf_get(http, "/query", q=q)
    assert response.status_code == 400
    [error] = response.json()
    assert error["errorCode"] == code and error["message"]


def test_salesforce_bad_token_and_limit_faults(http, control):
    response = sf_get(http, "/query", token="nope", q="SELECT Id FROM User")
    assert (response.status_code, response.json()[0]["errorCode"]) == (401, "INVALID_SESSION_ID")
    control.fault("salesforce", "/services/data", "429")
    response = sf_get(http, "/query", q="SELECT Id FROM User")
    assert (response.status_code, response.json()[0]["errorCode"]) == (
        403, "REQUEST_LIMIT_EXCEEDED")


def test_salesforce_sobject_and_not_found(http):
    assert sf_get(http, "/sobjects/User/005A00000000001").json()["Email"] == (
        "ann@team.liveapp.test")
    response = sf_get(http, "/sobjects/User/005A00000000099")
    assert (response.status_code, response.json()[0]["errorCode"]) == (404, "NOT_FOUND")


def test_outreach_json_api_rules(http):
    auth = {"Authorization": "Bearer or-token-1"}
    response = http.post("/outreach/api/v2/prospects", json={"data": {}}, headers=auth)
    assert response.status_code == 415
    assert response.json()["errors"][0]["title"] == "Unsupported Media Type"
    response = http.get("/outreach/api/v2/users",
                        headers={**auth, "Accept": "application/vnd.api+json; version=1"})
    assert response.status_code == 406
    response = http.get("/outreach/api/v2/users", params={"page[size]": 3}, headers=auth)
    assert response.headers["Content-Type"] == "application/vnd.api+json"
    assert response.headers["X-RateLimit-Limit"] and response.headers["X-RateLimit-Reset"]
    body = response.json()
    assert len(body["data"]) == 3 and "page%5Bafter%5D=" in body["links"]["next"]
    assert body["data"][0]["type"] == "user"


def test_outreach_429_headers(http, control):
    control.fault("outreach", "/api/v2/users", "429", retry_after=7)
    response = http.get("/outreach/api/v2/users", headers={"Authorization": "Bearer or-token-1"})
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert response.headers["X-RateLimit-Remaining"] == "0"
    assert int(response.headers["X-RateLimit-Reset"]) > time.time()
    assert response.json()["errors"][0]["id"] == "rateLimitExceeded"


def test_salesloft_paging_metadata(http):
    response = http.get("/salesloft/v2/users", params={"per_page": 3, "page": 3,
                                                        "include_paging_counts": "true"},
                        headers={"Authorization": "Bearer sl-key-1"})
    paging = response.json()["metadata"]["paging"]
    assert paging == {"per_page": 3, "current_page": 3, "next_page": None, "prev_page": 2,
                      "total_pages": 3, "total_count": 7}


@pytest.mark.parametrize("body", [
    {"service": "nope", "kind": "500"}, {"service": "outreach", "kind": "boom"},
    {"service": "outreach", "kind": "500", "count": 0}, {"service": "outreach",
                                                         "kind": "500", "colour": "red"},
    "not an object",
])
def test_fault_validation(http, body):
    assert http.post("/_sandbox/faults", json=body).status_code == 400


def test_demo_fixture_is_generated_and_owned_by_demo_users():
    data = json.loads(Path(DEFAULT_FIXTURE).read_text())
    assert data == demo_fixture.build(), "run python -m liveapp.demo.crm_sandbox.fixture"
    demo = {u.email: canonical_or_none(u.salesforce_user_id) for u in DEMO_USERS}
    assert {f"{local}@{demo_fixture.DEMO_DOMAIN}": sid
            for local, _name, sid in demo_fixture.DEMO_OWNERS} == demo
    objects = data["salesforce"]["objects"]
    assert sum(len(objects[k]) for k in ("Account", "Contact", "Lead")) >= 300
    user_ids = {u["Id"] for u in objects["User"]}
    assert {c["OwnerId"] for c in objects["Contact"]} <= user_ids
    assert all(normalise_domain(a["Website"]).endswith((".test", ".example"))
               for a in objects["Account"])
    assert len(demo_fixture.identities(data)) == len(objects["Contact"]) + len(objects["Lead"])


def _owner_ids(objects: dict) -> list[str]:
    """Every Salesforce user id a routing decision can meet in the fixture."""
    owners = [r["OwnerId"] for k in ("Account", "Contact", "Lead") for r in objects[k]]
    return owners + [m["UserId"] for m in objects["AccountTeamMember"]]


def test_every_owner_in_the_demo_fixture_is_exactly_one_demo_user():
    objects = json.loads(Path(DEFAULT_FIXTURE).read_text())["salesforce"]["objects"]
    for sobject, rows in objects.items():  # ids as the API answers them: valid, 18 long
        assert all(canonical_or_none(r["Id"]) == r["Id"] for r in rows), sobject
    former = demo_fixture.FORMER_OWNER[2]
    owners = Counter(_owner_ids(objects))
    assert owners[former] > 0  # a former user owns some records, on purpose
    for owner in set(owners) - {former}:
        assert canonical_or_none(owner) == owner
        assert sum(canonical_or_none(u.salesforce_user_id) == owner for u in DEMO_USERS) == 1
    assert not any(canonical_or_none(u.salesforce_user_id) == former for u in DEMO_USERS)
    reps = [u for u in DEMO_USERS if u.role == "rep" and u.salesforce_user_id]
    assert len(reps) == 4
    for rep in reps:  # each rep owns Contacts, Leads and Accounts to be routed
        sid = canonical_or_none(rep.salesforce_user_id)
        assert all(any(r["OwnerId"] == sid for r in objects[k])
                   for k in ("Account", "Contact", "Lead")), rep.name


def test_crm_sandbox_command_serves_and_writes_settings(tmp_path):
    fixture_file = tmp_path / "fixture.json"
    fixture_file.write_text(json.dumps(crm_data.fixture()))
    env = {**os.environ, "LIVEAPP_INSTANCE": str(tmp_path)}
    process = subprocess.Popen(
        [sys.executable, "-m", "liveapp.cli", "crm-sandbox", "--port", "0",
         "--fixture", str(fixture_file)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        settings = None
        deadline = time.monotonic() + 20
        while settings is None and time.monotonic() < deadline:
            time.sleep(0.1)
            settings = server.load_settings(tmp_path)
        assert settings, "crm-sandbox.json was not written"
        client = SalesforceClient.from_settings(settings["salesforce"])
        assert client.find_person("jane@acme.test").record_id == "003A00000000001"
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert server.load_settings(tmp_path) is None  # removed on the way out


def test_salesforce_page_size_is_tunable_at_runtime(http, sandbox):
    assert http.post("/_sandbox/config", json={"salesforce_page_size": 0}).status_code == 400
    try:
        assert http.post("/_sandbox/config", json={"salesforce_page_size": 4}).status_code == 200
        body = sf_get(http, "/query", q="SELECT Id FROM Account").json()
        assert (len(body["records"]), body["done"]) == (4, False)
    finally:
        sandbox.app.state.salesforce_page_size = 2
