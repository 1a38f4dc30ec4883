"""Read a /metrics answer (one sample's value by name and labels), and the fixtures that
scrape it with the token: `metrics_token`, `scrape` (tests/conftest.py offers them everywhere)."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

TOKEN = "scrape-me-please"


def value(text: str, name: str, **labels: str) -> float:
    """The sample's value (0 when it is not there yet)."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v
                                           for k, v in labels.items()):
                return sample.value
    return 0.0


@pytest.fixture
def metrics_token(app, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    return TOKEN


@pytest.fixture
def scrape(app, metrics_token):
    """scrape() -> the text of GET /metrics, with the token."""
    client = app.test_client()

    def get() -> str:
        response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 200
        assert response.mimetype == "text/plain"
        return response.get_data(as_text=True)

    return get
