"""Browser tests: Debian's chromium driven by Playwright against a live server."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = os.environ.get("LIVEAPP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


def _chromium_path() -> str | None:
    if os.path.exists(CHROMIUM):
        return CHROMIUM
    return shutil.which("chromium")


# Module scope: Playwright's sync API keeps an asyncio loop running in the main thread
# while it is open, and other tests (the simulator's) run their own asyncio loops.
@pytest.fixture(scope="module")
def chromium():
    path = _chromium_path()
    if path is None:
        reason = "Debian chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
