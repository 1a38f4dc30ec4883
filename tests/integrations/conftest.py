"""The CRM sandbox served over real HTTPS on a free port, once per run, and clients of it."""

from __future__ import annotations

import httpx
import pytest

from liveapp.demo.crm_sandbox import server
from liveapp.integrations.outreach import OutreachClient
from liveapp.integrations.salesforce import SalesforceClient
from liveapp.integrations.salesloft import SalesloftClient
from liveapp.integrations.tls import httpx_verify
from tests.integrations import crm_data

PAGE_SIZE = 2  # small pages, so every listing in the fixture spans several


@pytest.fixture
def clean_state():
    """These tests need no app, database or Redis (overrides the top-level autouse one)."""
    yield


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory):
    running = server.start(crm_data.fixture(), folder=tmp_path_factory.mktemp("crm-sandbox"),
                           salesforce_page_size=PAGE_SIZE)
    yield running
    running.stop()


class Control:
    """Drives the sandbox's /_sandbox endpoints over real HTTPS."""

    def __init__(self, sandbox) -> None:
        self.http = httpx.Client(base_url=sandbox.url, verify=httpx_verify(sandbox.tls.ca_bundle),
                                 timeout=5)

    def fault(self, service: str, path_prefix: str, kind: str, **extra) -> None:
        body = {"service": service, "path_prefix": path_prefix, "kind": kind, **extra}
        response = self.http.post("/_sandbox/faults", json=body)
        assert response.status_code == 201, response.text

    def faults(self) -> list:
        return self.http.get("/_sandbox/faults").json()

    def expire(self, service: str, token: str) -> None:
        assert self.http.post("/_sandbox/expire", json={"service": service,
                                                        "token": token}).status_code == 200

    def reset(self) -> None:
        assert self.http.delete("/_sandbox/faults").status_code == 204


@pytest.fixture
def control(sandbox):
    ctl = Control(sandbox)
    ctl.reset()
    yield ctl
    ctl.reset()
    ctl.http.close()


@pytest.fixture
def settings(sandbox):
    return sandbox.settings()


class SleepRecorder:
    """Records the waits a client asks for instead of sleeping them (keeps tests fast)."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def sleeps():
    return SleepRecorder()


@pytest.fixture
def salesforce(settings, control):
    return SalesforceClient.from_settings({**settings["salesforce"], "timeout": 5})


@pytest.fixture
def outreach(settings, control, sleeps):
    client = OutreachClient.from_settings(
        {**settings["outreach"], "page_size": PAGE_SIZE, "timeout": 5}, sleep=sleeps)
    yield client
    client.close()


@pytest.fixture
def salesloft(settings, control, sleeps):
    client = SalesloftClient.from_settings(
        {**settings["salesloft"], "page_size": PAGE_SIZE, "timeout": 5}, sleep=sleeps)
    yield client
    client.close()
