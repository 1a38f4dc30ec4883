"""How long a 429 says to wait."""

from __future__ import annotations

import httpx
import pytest

from liveapp.integrations.http import RetryPolicy, retry_delay

NOW = 1_790_000_000.0
POLICY = RetryPolicy(backoff=0.5)


def answer(**headers: str) -> httpx.Response:
    return httpx.Response(429, headers={k.replace("_", "-"): v for k, v in headers.items()})


@pytest.mark.parametrize(("headers", "attempt", "expected"), [
    ({"Retry-After": "3"}, 0, 3.0),
    ({"Retry-After": "1.5"}, 0, 1.5),
    ({"Retry-After": "-4"}, 0, 0.0),
    ({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0, 0.0),  # in the past
    ({"Retry-After": "soon", "X-RateLimit-Reset": str(int(NOW) + 7)}, 0, 7.0),
    ({"X-RateLimit-Reset": str(int(NOW) + 12)}, 0, 12.0),
    ({"X-RateLimit-Reset": "30"}, 0, 30.0),  # seconds from now
    ({"X-RateLimit-Reset": "later"}, 2, 2.0),
    ({}, 0, 0.5),
    ({}, 3, 4.0),
])
def test_retry_delay(headers, attempt, expected):
    assert retry_delay(answer(**headers), attempt, POLICY, now=NOW) == pytest.approx(expected)


def test_http_date_in_the_future():
    import email.utils

    date = email.utils.formatdate(NOW + 20, usegmt=True)
    assert retry_delay(answer(**{"Retry-After": date}), 0, POLICY, now=NOW) == pytest.approx(20)
