"""The demo simulator's signed client addresses (liveapp.simulated_clients): honoured only
with the server's key, whatever X-Forwarded-For says."""

import pytest

from liveapp import simulated_clients

KEY = "demo-simulator-key"


def test_only_a_signature_made_with_the_key_carries_an_address():
    value = simulated_clients.signed(KEY, "203.0.113.5")
    assert simulated_clients.verified(KEY, value) == "203.0.113.5"
    assert simulated_clients.verified("another-key", value) is None
    assert simulated_clients.verified("", value) is None  # no key configured: never
    assert simulated_clients.verified(KEY, value.replace("203.0.113.5", "203.0.113.6")) is None
    assert simulated_clients.verified(KEY, "203.0.113.5") is None
    assert simulated_clients.verified(KEY, simulated_clients.signed(KEY, "not-an-ip")) is None
    assert simulated_clients.verified(KEY, None) is None


@pytest.fixture
def limited(app, monkeypatch):
    """Sign-in limited to 2 attempts a window per address; the demo's simulator key."""
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", 2)
    monkeypatch.setitem(app.config, "SIMULATOR_KEY", KEY)
    monkeypatch.setitem(app.config, "TRUSTED_PROXY_COUNT", 0)


def test_the_address_used_for_limits(limited, browser):
    def attempt(headers=None):
        return browser.post("/auth/login", {"email": "nobody@example.com",
                                            "password": "wrong"}, headers=headers).status_code

    assert [attempt(), attempt(), attempt()] == [401, 401, 429]
    assert attempt({"X-Forwarded-For": "203.0.113.7"}) == 429
    forged = simulated_clients.signed("guessed", "203.0.113.8")
    assert attempt({simulated_clients.HEADER: forged}) == 429
    assert attempt({simulated_clients.HEADER: simulated_clients.signed(KEY, "203.0.113.9")}) == 401
