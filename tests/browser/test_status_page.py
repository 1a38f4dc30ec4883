"""Settings → Status in a real browser: the figures refresh by themselves (htmx polling)
while visitors arrive, with no reload and no error in the console."""

from __future__ import annotations

import pytest

from tests.browser.helpers import sign_in
from tests.tracking.conftest import api, site  # noqa: F401

pytestmark = pytest.mark.browser


def test_the_figures_refresh_without_a_reload(page, live_server, admin, api):  # noqa: F811
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server, admin.email)
    page.goto(f"{live_server}/settings/status/")
    live = page.locator('[data-figure="visitors_live"]')
    assert live.inner_text() == "0"
    page.evaluate("window.notReloaded = true")
    assert api.send().status_code == 202
    assert api.send().status_code == 202
    page.wait_for_function(
        "() => document.querySelector('[data-figure=visitors_live]').textContent === '2'",
        timeout=8_000)  # the next poll (every 3 s)
    assert page.evaluate("window.notReloaded") is True
    assert errors == []
