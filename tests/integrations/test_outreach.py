"""The Outreach client (httpx, JSON:API) against the sandbox over real HTTPS."""

from __future__ import annotations

import pytest

from liveapp.integrations.crm_types import CrmUnavailable, ProspectOwnership
from liveapp.integrations.outreach import OutreachClient

PROSPECTS = "/api/v2/prospects"


def test_prospect_owner_and_last_sender_across_pages(outreach):
    # three prospects share the email (2 per page): the most recently updated one wins
    assert outreach.find_prospect("pat@acme.test") == ProspectOwnership(
        source="outreach", prospect_id="11", owner_id="3", owner_email="cara@team.liveapp.test",
        sender_id="1", sender_email="ann@team.liveapp.test")


def test_prospect_without_mailings(outreach):
    found = outreach.find_prospect("sam@globex.example")
    assert (found.owner_email, found.sender_id, found.sender_email) == (
        "ann@team.liveapp.test", None, None)


def test_sender_falls_back_to_the_mailbox_address(outreach):
    found = outreach.find_prospect("robin@initech.test")
    assert (found.owner_id, found.owner_email) == (None, None)
    assert (found.sender_id, found.sender_email) == (None, "dev@team.liveapp.test")


def test_unknown_email(outreach):
    assert outreach.find_prospect("nobody@acme.test") is None


def test_users_across_pages(outreach):
    users = outreach.list_users()
    assert [u.email.split("@")[0] for u in users] == [
        "ann", "bob", "cara", "dev", "eve", "fay", "gus"]
    assert users[0].name == "Ann User"


def test_rate_limited_then_retried_after_retry_after(outreach, control, sleeps):
    control.fault("outreach", PROSPECTS, "429", count=2, retry_after=1)
    assert outreach.find_prospect("sam@globex.example").prospect_id == "20"
    assert sleeps.waits == [1.0, 1.0]


def test_rate_limit_reset_header_is_honoured(outreach, control, sleeps):
    control.fault("outreach", PROSPECTS, "429", retry_after=None, reset_in=3)
    assert outreach.find_prospect("sam@globex.example").prospect_id == "20"
    assert len(sleeps.waits) == 1 and 1.5 <= sleeps.waits[0] <= 3.0


def test_rate_limit_retries_are_bounded(settings, control, sleeps):
    client = OutreachClient.from_settings({**settings["outreach"], "max_retries": 2},
                                          sleep=sleeps)
    control.fault("outreach", PROSPECTS, "429", count=None, retry_after=1)
    with pytest.raises(CrmUnavailable) as failed:
        client.find_prospect("sam@globex.example")
    assert failed.value.reason == "rate_limited"
    assert sleeps.waits == [1.0, 1.0]


def test_rate_limit_wait_is_bounded(settings, control, sleeps):
    client = OutreachClient.from_settings({**settings["outreach"], "max_wait": 5}, sleep=sleeps)
    control.fault("outreach", PROSPECTS, "429", count=None, retry_after=30)
    with pytest.raises(CrmUnavailable) as failed:
        client.find_prospect("sam@globex.example")
    assert failed.value.reason == "rate_limited"
    assert sleeps.waits == []  # never sleeps past the budget


def test_expired_token_is_refreshed(settings, control):
    tokens = []
    client = OutreachClient.from_settings(settings["outreach"],
                                          on_tokens=lambda a, r: tokens.append((a, r)))
    control.fault("outreach", PROSPECTS, "401")
    assert client.find_prospect("sam@globex.example").prospect_id == "20"
    assert len(tokens) == 1 and tokens[0][0] == client.access_token
    assert client.access_token != settings["outreach"]["access_token"]


def test_revoked_token_is_refreshed(settings, control):
    client = OutreachClient.from_settings(settings["outreach"])
    control.fault("outreach", PROSPECTS, "401")
    client.find_prospect("sam@globex.example")  # now holds a token of its own
    control.expire("outreach", client.access_token)
    assert client.find_prospect("sam@globex.example").prospect_id == "20"


def test_401_without_refresh_token_is_auth(settings, control):
    values = {k: v for k, v in settings["outreach"].items() if k != "refresh_token"}
    control.fault("outreach", PROSPECTS, "401")
    with pytest.raises(CrmUnavailable) as failed:
        OutreachClient.from_settings(values).find_prospect("sam@globex.example")
    assert failed.value.reason == "auth"


def test_refused_refresh_is_auth(settings, control):
    client = OutreachClient.from_settings({**settings["outreach"], "client_secret": "wrong"})
    control.fault("outreach", PROSPECTS, "401")
    with pytest.raises(CrmUnavailable) as failed:
        client.find_prospect("sam@globex.example")
    assert failed.value.reason == "auth"


def test_401_after_refresh_is_auth_not_a_loop(outreach, control):
    control.fault("outreach", PROSPECTS, "401", count=5)
    with pytest.raises(CrmUnavailable) as failed:
        outreach.find_prospect("sam@globex.example")
    assert failed.value.reason == "auth"
    assert control.faults()[0]["count"] == 3


def test_server_error_is_down(outreach, control):
    control.fault("outreach", "/api/v2/mailings", "500")
    with pytest.raises(CrmUnavailable) as failed:
        outreach.find_prospect("sam@globex.example")
    assert failed.value.reason == "down"


@pytest.mark.parametrize(("prefix", "body"), [
    (PROSPECTS, None), (PROSPECTS, {"data": "nope"}), (PROSPECTS, {"data": [{"x": 1}]}),
    ("/api/v2/mailings", ["not", "an", "object"]), ("/api/v2/users", [1]),
])
def test_malformed_answers_are_bad_answers(outreach, control, prefix, body):
    control.fault("outreach", prefix, "malformed", body=body)
    with pytest.raises(CrmUnavailable) as failed:
        outreach.find_prospect("pat@acme.test")
    assert failed.value.reason == "bad_answer"


def test_slow_answer_times_out(settings, control):
    client = OutreachClient.from_settings({**settings["outreach"], "timeout": 0.3})
    control.fault("outreach", PROSPECTS, "slow", delay=1.5)
    with pytest.raises(CrmUnavailable) as failed:
        client.find_prospect("sam@globex.example")
    assert failed.value.reason == "timeout"


def test_wrong_base_url_is_down(settings):
    client = OutreachClient.from_settings({**settings["outreach"],
                                           "base_url": "https://127.0.0.1:1", "timeout": 2})
    with pytest.raises(CrmUnavailable) as failed:
        client.test_connection()
    assert failed.value.reason == "down"


def test_refresh_token_alone_is_enough(settings, control):
    values = {k: v for k, v in settings["outreach"].items() if k != "access_token"}
    assert OutreachClient.from_settings(values).find_prospect("sam@globex.example")
