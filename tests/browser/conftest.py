"""Browser tests: Debian's chromium driven by Playwright against a live server."""

from __future__ import annotations

import os
import shutil
import time

import pytest

from tests.browser.helpers import sign_in

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


# Desktop notifications, recorded instead of shown (permission already granted), with
# each one kept (window.__noteObjs) so a test can click it; and the alert sound's beeps
# counted (window.__beeps) instead of played.
RECORD_ALERTS = """
window.__notes = [];
window.__noteObjs = [];
window.Notification = function (title, options) {
  window.__notes.push(title + " | " + ((options && options.body) || ""));
  window.__noteObjs.push(this);
  this.close = function () {};
};
window.Notification.permission = "granted";
window.Notification.requestPermission = function () { return Promise.resolve("granted"); };
window.__beeps = 0;
window.AudioContext = function () {
  var nothing = function () {};
  this.currentTime = 0;
  this.destination = {};
  this.createOscillator = function () {
    window.__beeps += 1;
    return { frequency: {}, connect: nothing, start: nothing, stop: nothing };
  };
  this.createGain = function () {
    return { gain: { setValueAtTime: nothing, exponentialRampToValueAtTime: nothing },
             connect: nothing };
  };
};
"""


@pytest.fixture
def boards(app, chromium, live_server, monkeypatch):
    """boards(*reps) -> one signed-in page per rep, each in its own browser context, with
    its board's live stream open (alerts recorded: RECORD_ALERTS)."""
    from liveapp.infra.fanout import hub_for

    monkeypatch.setitem(app.config, "SSE_PING_INTERVAL", 0.2)
    contexts = []

    def open_boards(*reps):
        pages = []
        for rep in reps:
            context = chromium.new_context()
            context.add_init_script(RECORD_ALERTS)
            contexts.append(context)
            page = context.new_page()
            page.set_default_timeout(10_000)
            sign_in(page, live_server, rep.email)
            page.wait_for_selector("[data-sse-open]", state="attached")
            page.evaluate("window.notReloaded = true")
            pages.append(page)
        return pages

    yield open_boards
    for context in contexts:
        context.close()
    deadline = time.monotonic() + 5  # leave no open stream behind for other tests
    while hub_for(app).listener_count() and time.monotonic() < deadline:
        time.sleep(0.05)


def leave_no_stream(app, *pages) -> None:
    """Close these pages' event streams and wait until the server saw them go (other tests
    count the shared subscriber's listeners)."""
    from liveapp.infra.fanout import hub_for

    for page in pages:
        page.goto("about:blank")
    deadline = time.monotonic() + 5
    while hub_for(app).listener_count() and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.fixture
def streams_end_with_the_test(app, page, monkeypatch):
    """Boards ping often, so the server notices a closed page at once; the test leaves no
    open stream behind. Modules with live pages use it autouse."""
    monkeypatch.setitem(app.config, "SSE_PING_INTERVAL", 0.2)
    yield
    leave_no_stream(app, page)


@pytest.fixture
def reps(make_user):
    return [make_user(name="Ann Rep", email="ann@example.com"),
            make_user(name="Bob Rep", email="bob@example.com")]
