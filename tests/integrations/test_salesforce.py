"""The Salesforce client (simple-salesforce) against the sandbox over real HTTPS."""

from __future__ import annotations

import socket

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from liveapp.integrations.crm_types import AccountTeamMember, CrmUnavailable
from liveapp.integrations.salesforce import SalesforceClient
from tests.integrations.crm_data import ANN, BOB, CARA, DEV, JWT_PRIVATE_KEY

DATA = "/services/data"


def test_contact_by_email_with_owner_and_account(salesforce):
    match = salesforce.find_person("jane@acme.test")
    assert match.record_type == "Contact"
    assert match.record_id == "003A00000000001"
    assert (match.owner_id, match.owner_email, match.owner_active) == (
        BOB, "bob@team.liveapp.test", True)
    assert (match.account_id, match.account_name) == ("001A00000000001", "Acme, Inc.")
    assert (match.account_owner_id, match.account_owner_email) == (ANN, "ann@team.liveapp.test")
    assert match.account_match_rule == "record"
    assert not match.converted_from_lead


def test_email_matches_case_insensitively(salesforce):
    assert salesforce.find_person("JANE@Acme.Test").record_id == "003A00000000001"


def test_contact_without_account_gets_the_fuzzy_matched_one(salesforce):
    match = salesforce.find_person("solo@umbrella.test")
    assert (match.record_type, match.owner_id) == ("Contact", CARA)
    assert (match.account_name, match.account_match_rule) == ("Umbrella Corp", "website_domain")
    orphan = salesforce.find_person("orphan@nowhere.test")
    assert (orphan.record_type, orphan.account_id, orphan.account_match_rule) == (
        "Contact", None, None)


def test_duplicate_contacts_pick_the_most_recently_modified(salesforce):
    assert salesforce.find_person("dup@acme.test").owner_id == DEV


def test_converted_lead_is_followed_to_its_contact(salesforce):
    match = salesforce.find_person("converted@personal.example")
    assert match.record_type == "Contact"
    assert match.record_id == "003A00000000004"
    assert match.converted_from_lead
    assert match.owner_id == DEV
    assert match.account_name == "Umbrella Corp"


def test_lead_gets_an_account_by_email_domain(salesforce):
    match = salesforce.find_person("lead@globex.example")
    assert (match.record_type, match.owner_id, match.owner_active) == ("Lead", CARA, False)
    # two Accounts share the domain: the most recently modified wins
    assert (match.account_name, match.account_owner_id) == ("Globex", DEV)
    assert match.account_match_rule == "website_domain"


def test_lead_with_free_mail_gets_an_account_by_company_name(salesforce):
    match = salesforce.find_person("freelancer@gmail.com")
    assert match.record_type == "Lead"
    # "Initech, Inc." ~ "Initech LLC" ~ "Initech Ltd.": the newer one wins
    assert (match.account_name, match.account_match_rule) == ("Initech LLC", "company_name")


def test_lead_without_any_account(salesforce):
    match = salesforce.find_person("nobody@nowhere.test")
    assert (match.record_type, match.owner_id) == ("Lead", ANN)
    assert match.account_id is None and match.account_match_rule is None


def test_unknown_person_matches_only_an_account(salesforce):
    match = salesforce.find_person("new.person@umbrella.test")
    assert match.record_type is None and match.record_id is None
    assert (match.account_name, match.account_owner_email) == ("Umbrella Corp",
                                                               "ann@team.liveapp.test")


def test_unknown_person_and_company_is_none(salesforce):
    assert salesforce.find_person("who@unknown.test", company="Unknown Things") is None


@pytest.mark.parametrize(("domain", "company", "name", "rule"), [
    ("acme.test", None, "Acme, Inc.", "website_domain"),
    ("https://WWW.ACME.test/pricing", None, "Acme, Inc.", "website_domain"),
    ("acme-holdings.test", None, "Acme Holdings", "website_domain"),
    (None, "ACME inc", "Acme, Inc.", "company_name"),
    (None, "The Acme Corporation", "Acme, Inc.", "company_name"),
    ("unknown.test", "Umbrella Corp.", "Umbrella Corp", "company_name"),
    ("umbrella.test", "Acme", "Umbrella Corp", "website_domain"),  # domain first
    (None, "O'Brien & Sons Ltd", "O'Brien & Sons", "company_name"),
    ("paged.test", None, "Paged 4", "website_domain"),  # 5 candidates over 3 pages
])
def test_fuzzy_account_match(salesforce, domain, company, name, rule):
    account = salesforce.match_account(domain=domain, company=company)
    assert (account.name, account.match_rule) == (name, rule)


@pytest.mark.parametrize(("domain", "company"), [
    ("acme", None), ("cme.test", None), (None, "Acm"), (None, "Acme Holdings Group"),
    ("sub.acme.test", None), (None, None),
])
def test_fuzzy_account_near_misses(salesforce, domain, company):
    assert salesforce.match_account(domain=domain, company=company) is None


def test_account_team_members_across_pages(salesforce):
    team = salesforce.account_team("001A00000000001")
    assert sorted(team, key=lambda m: m.role) == [
        AccountTeamMember(ANN, "ann@team.liveapp.test", "Account Manager"),
        AccountTeamMember(DEV, "dev@team.liveapp.test", "Executive Sponsor"),
        AccountTeamMember(BOB, "bob@team.liveapp.test", "Sales Engineer"),
    ]
    assert salesforce.account_team("001A00000000002") == []


def test_user_by_id(salesforce):
    user = salesforce.user(CARA)
    assert (user.email, user.active) == ("cara@team.liveapp.test", False)
    assert salesforce.user("005A00000000099") is None


def test_quotes_in_values_are_quoted_not_pasted(salesforce):
    assert salesforce.find_person("o'hara@acme.test").record_id == "003A00000000005"
    # pasted, this would read "Email = 'x' OR Email != ''" and match every Contact
    assert salesforce.find_person("x' OR Email != '") is None
    assert salesforce.match_account(domain=None, company="x%' OR Name LIKE '%") is None


def test_connection_check(salesforce):
    salesforce.test_connection()


# -- auth ------------------------------------------------------------------------------

def test_expired_session_reauthenticates_once(settings, control):
    values = {k: v for k, v in settings["salesforce"].items() if k != "session_id"}
    client = SalesforceClient.from_settings(values)  # a session of its own, to expire
    client.test_connection()
    old = client.session_id
    control.expire("salesforce", old)
    assert client.find_person("jane@acme.test").record_id == "003A00000000001"
    assert client.session_id != old


def test_401_twice_fails_clearly_after_one_reauth(salesforce, control):
    control.fault("salesforce", DATA, "401", count=3)
    with pytest.raises(CrmUnavailable) as failed:
        salesforce.test_connection()
    assert failed.value.reason == "auth"
    assert "INVALID_SESSION_ID" in str(failed.value)
    assert control.faults()[0]["count"] == 1  # two calls: the first and one retry


def test_session_without_credentials_cannot_reauthenticate(settings, control):
    client = SalesforceClient.from_settings({
        "instance_url": settings["salesforce"]["instance_url"], "session_id": "stale",
        "ca_bundle": settings["ca_bundle"]})
    with pytest.raises(CrmUnavailable) as failed:
        client.test_connection()
    assert failed.value.reason == "auth"


@pytest.mark.parametrize("drop", [
    ("session_id", "refresh_token"),  # password grant
    ("session_id", "refresh_token", "username", "password"),  # client credentials
    ("session_id", "username", "password"),  # refresh token
])
def test_oauth_logins(settings, control, drop):
    values = {k: v for k, v in settings["salesforce"].items() if k not in drop}
    if "refresh_token" not in drop:
        values["refresh_token"] = "sf-refresh-1"
    client = SalesforceClient.from_settings(values)
    assert client.find_person("jane@acme.test").owner_id == BOB


def _jwt_settings(settings, **extra):
    base = {k: settings["salesforce"][k] for k in ("login_url", "username", "client_id",
                                                   "ca_bundle")}
    return {**base, **extra}


def test_jwt_bearer_login(settings, control, tmp_path):
    sessions = []
    client = SalesforceClient.from_settings(
        _jwt_settings(settings, private_key=JWT_PRIVATE_KEY),
        on_session=lambda token, url: sessions.append((token, url)))
    assert client.find_person("jane@acme.test").owner_id == BOB
    assert sessions == [(client.session_id, settings["url"])]
    key_file = tmp_path / "server.key"
    key_file.write_text(JWT_PRIVATE_KEY)
    client = SalesforceClient.from_settings(_jwt_settings(settings,
                                                          private_key_file=str(key_file)))
    assert client.user(ANN).email == "ann@team.liveapp.test"


def test_jwt_signed_by_another_key_is_refused(settings, control):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode()
    with pytest.raises(CrmUnavailable) as failed:
        SalesforceClient.from_settings(_jwt_settings(settings, private_key=other)).user(ANN)
    assert failed.value.reason == "auth"


def test_wrong_password_is_an_auth_failure(settings, control):
    values = {**settings["salesforce"], "password": "wrong"}
    values.pop("session_id")
    with pytest.raises(CrmUnavailable) as failed:
        SalesforceClient.from_settings(values).test_connection()
    assert failed.value.reason == "auth"
    assert "authentication failure" in failed.value.detail


def test_no_credentials_at_all_is_refused():
    with pytest.raises(ValueError):
        SalesforceClient(instance_url="https://x.test")


# -- failures --------------------------------------------------------------------------

def test_request_limit_exceeded_is_rate_limited(salesforce, control):
    control.fault("salesforce", DATA, "429")
    with pytest.raises(CrmUnavailable) as failed:
        salesforce.find_person("jane@acme.test")
    assert failed.value.reason == "rate_limited"


def test_server_error_is_down(salesforce, control):
    control.fault("salesforce", DATA, "500")
    with pytest.raises(CrmUnavailable) as failed:
        salesforce.find_person("jane@acme.test")
    assert failed.value.reason == "down"


@pytest.mark.parametrize("body", [None, {"unexpected": True}, {"records": "nope"}, [1, 2]])
def test_malformed_answers_are_bad_answers(salesforce, control, body):
    control.fault("salesforce", DATA, "malformed", body=body)
    with pytest.raises(CrmUnavailable) as failed:
        salesforce.find_person("jane@acme.test")
    assert failed.value.reason == "bad_answer"


def test_malformed_user_answer(salesforce, control):
    control.fault("salesforce", f"{DATA}/v59.0/sobjects", "malformed", body={"Name": "x"})
    with pytest.raises(CrmUnavailable) as failed:
        salesforce.user(ANN)
    assert failed.value.reason == "bad_answer"


def test_slow_answer_times_out(settings, control):
    client = SalesforceClient.from_settings({**settings["salesforce"], "timeout": 0.3})
    control.fault("salesforce", DATA, "slow", delay=1.5)
    with pytest.raises(CrmUnavailable) as failed:
        client.find_person("jane@acme.test")
    assert failed.value.reason == "timeout"


def test_nothing_listening_is_down(settings):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = SalesforceClient.from_settings({
        **settings["salesforce"], "instance_url": f"https://127.0.0.1:{port}", "timeout": 2})
    with pytest.raises(CrmUnavailable) as failed:
        client.find_person("jane@acme.test")
    assert failed.value.reason == "down"
