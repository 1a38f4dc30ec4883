"""Arbitrary JSON never makes the events API fail with a 500."""

from __future__ import annotations

import json
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

json_scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
                | st.text(max_size=40))
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner,
                                                                max_size=3),
    max_leaves=10,
)
FIELDS = ["site_key", "visitor_id", "type", "url", "title", "referrer", "active", "email",
          "traits"]


def plausible(site_key: str):
    """Bodies close to valid, so the fuzz reaches the service, not only the validator."""
    return st.fixed_dictionaries({
        "site_key": st.sampled_from([site_key, "nope"]),
        "visitor_id": st.uuids().map(str) | st.just(str(uuid.UUID(int=1))),
        "type": st.sampled_from(["page_view", "heartbeat", "identify", "leave"]),
    }, optional={
        "url": st.sampled_from(["https://www.example.com/?lv_email=a%40b.example&lv_src=outreach",
                                "http://x.example/" + "é" * 10]) | json_values,
        "title": st.text(max_size=600) | json_values,
        "active": st.booleans() | json_values,
        "email": st.emails() | json_values,
        "traits": st.dictionaries(st.text(max_size=12), json_scalars, max_size=22) | json_values,
        "referrer": json_values,
    })


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_arbitrary_json_never_yields_a_500(api, data):
    body = data.draw(
        plausible(api.site_key)
        | st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=9)
        | json_values
    )
    res = api.raw(json.dumps(body))
    assert res.status_code in (202, 400, 403, 413, 429), res.get_data(as_text=True)
    assert "error" in res.get_json() or res.status_code == 202
