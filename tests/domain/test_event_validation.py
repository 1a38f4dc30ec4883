"""Event validation and landing URLs, pure."""

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liveapp.domain.events import InvalidEvent, parse_event, read_landing

VID = str(uuid.uuid4())


def test_minimal_heartbeat():
    event = parse_event({"site_key": "k", "visitor_id": VID.upper(), "type": "heartbeat"})
    assert event.visitor_id == VID and event.active is True and event.url is None


def test_unknown_fields_are_ignored():
    event = parse_event({"site_key": "k", "visitor_id": VID, "type": "leave", "extra": 1})
    assert event.type == "leave"


def test_landing_reads_utm_and_strips_click_through():
    landing = read_landing(
        "https://a.example/p?utm_source=x&lv_email=a%40b.example&lv_src=Outreach#top")
    assert landing.utm == {"utm_source": "x"}
    assert landing.email == "a@b.example" and landing.source == "outreach"
    assert landing.url == "https://a.example/p?utm_source=x#top"


def test_landing_without_parameters_keeps_the_url():
    url = "https://a.example/p?b=2&a=1"
    assert read_landing(url).url == url


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=20,
)


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.dictionaries(st.sampled_from(["site_key", "visitor_id", "type", "url", "title",
                                        "referrer", "active", "email", "traits", "other"]),
                       json_values))
def test_anything_either_parses_or_names_a_field(body):
    try:
        parse_event(body)
    except InvalidEvent as invalid:
        assert str(invalid).startswith(invalid.field + ":")


@pytest.mark.parametrize("email", ["a@b", "@b.example", "a b@c.example"])
def test_bad_emails(email):
    with pytest.raises(InvalidEvent, match="^email:"):
        parse_event({"site_key": "k", "visitor_id": VID, "type": "identify", "email": email})
