"""NUL characters found wherever they hide in a decoded JSON value, however deep."""

from liveapp.domain.text import nul_field


def test_nul_field_names_where_the_nul_is():
    assert nul_field({"token": "t", "body": "fine"}) is None
    assert nul_field({"token": "t", "body": "a\x00b"}) == "body"
    assert nul_field({"traits": {"plan": ["x", "pro\x00"]}}) == "traits.plan"
    assert nul_field({"a\x00": 1}) == "body"
    assert nul_field("\x00") == "body"
    deep: list = []
    for _ in range(5000):
        deep = [deep]
    assert nul_field({"x": [deep, "\x00"]}) == "x"
