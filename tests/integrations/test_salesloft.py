"""The Salesloft client (httpx) against the sandbox over real HTTPS."""

from __future__ import annotations

import pytest

from liveapp.integrations.crm_types import CrmUnavailable, ProspectOwnership
from liveapp.integrations.salesloft import SalesloftClient

PEOPLE = "/v2/people"


def test_person_owner_and_last_sender_across_pages(salesloft):
    # three people share the email (2 per page): the most recently updated one wins
    assert salesloft.find_person("lee@acme.test") == ProspectOwnership(
        source="salesloft", prospect_id="502", owner_id="104",
        owner_email="dev@team.liveapp.test", sender_id="103",
        sender_email="cara@team.liveapp.test")


def test_person_without_owner_or_emails(salesloft):
    found = salesloft.find_person("kim@globex.example")
    assert (found.prospect_id, found.owner_email, found.sender_email) == ("504", None, None)


def test_unknown_email(salesloft):
    assert salesloft.find_person("nobody@acme.test") is None


def test_users_across_pages(salesloft):
    assert sorted(u.user_id for u in salesloft.list_users()) == [str(n) for n in range(101, 108)]


def test_connection_check(salesloft):
    salesloft.test_connection()


def test_rate_limited_then_retried_after_retry_after(salesloft, control, sleeps):
    control.fault("salesloft", PEOPLE, "429", retry_after=2)
    assert salesloft.find_person("kim@globex.example").prospect_id == "504"
    assert sleeps.waits == [2.0]


def test_rate_limited_without_header_backs_off(salesloft, control, sleeps):
    control.fault("salesloft", PEOPLE, "429", count=2, retry_after=None)
    assert salesloft.find_person("kim@globex.example").prospect_id == "504"
    assert sleeps.waits == [0.5, 1.0]


def test_rate_limit_retries_are_bounded(settings, control, sleeps):
    client = SalesloftClient.from_settings({**settings["salesloft"], "max_retries": 1},
                                           sleep=sleeps)
    control.fault("salesloft", "/v2/activities", "429", count=None, retry_after=1)
    with pytest.raises(CrmUnavailable) as failed:
        client.find_person("lee@acme.test")
    assert failed.value.reason == "rate_limited"
    assert sleeps.waits == [1.0]


def test_expired_token_is_refreshed(settings, control):
    tokens = []
    client = SalesloftClient.from_settings(settings["salesloft"],
                                           on_tokens=lambda a, r: tokens.append(a))
    control.fault("salesloft", PEOPLE, "401")
    assert client.find_person("kim@globex.example").prospect_id == "504"
    assert tokens == [client.access_token]


def test_api_key_without_refresh_is_auth(settings, control):
    client = SalesloftClient.from_settings({"base_url": settings["salesloft"]["base_url"],
                                            "api_key": "revoked",
                                            "ca_bundle": settings["ca_bundle"]})
    with pytest.raises(CrmUnavailable) as failed:
        client.find_person("kim@globex.example")
    assert failed.value.reason == "auth"


def test_server_error_is_down(salesloft, control):
    control.fault("salesloft", "/v2/users", "500")
    with pytest.raises(CrmUnavailable) as failed:
        salesloft.find_person("lee@acme.test")
    assert failed.value.reason == "down"


@pytest.mark.parametrize(("prefix", "body"), [
    (PEOPLE, None), (PEOPLE, {"data": {"id": 1}}), (PEOPLE, {"metadata": {}}),
    ("/v2/activities", {"data": ["x"]}), ("/v2/users", "a string"),
])
def test_malformed_answers_are_bad_answers(salesloft, control, prefix, body):
    control.fault("salesloft", prefix, "malformed", body=body)
    with pytest.raises(CrmUnavailable) as failed:
        salesloft.find_person("lee@acme.test")
    assert failed.value.reason == "bad_answer"


def test_slow_answer_times_out(settings, control):
    client = SalesloftClient.from_settings({**settings["salesloft"], "timeout": 0.3})
    control.fault("salesloft", PEOPLE, "slow", delay=1.5)
    with pytest.raises(CrmUnavailable) as failed:
        client.find_person("kim@globex.example")
    assert failed.value.reason == "timeout"
