"""The site snippet in a real browser: Debian's chromium driven by Playwright browses the
demo site served by the app on a free port. The events API is answered by a Playwright
route, so these tests pin down what the snippet sends (SPEC section 3), whatever the
server does with it."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable, Iterator
from urllib.parse import quote

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.timeout(60)]

KEY = "browser-test-site-key"
TOKEN = "signed-widget-token"


@pytest.fixture
def base_url(app, live_server) -> Iterator[str]:
    """The live test server, with the demo site's pages carrying a known key."""
    previous = app.config.get("DEMO_SITE_KEY")
    app.config["DEMO_SITE_KEY"] = KEY
    yield live_server
    app.config["DEMO_SITE_KEY"] = previous


class Events:
    """What the snippet sent to /t/v1/events, answered like the real API would."""

    def __init__(self, page):
        self.page = page
        self.sent: list[dict] = []

    def handle(self, route, request) -> None:
        body = json.loads(request.post_data or "{}")
        body["_content_type"] = request.headers.get("content-type", "")
        self.sent.append(body)
        route.fulfill(
            status=202, content_type="application/json",
            body=json.dumps({"visitor_id": body.get("visitor_id"), "token": TOKEN}),
        )

    def of(self, kind: str) -> list[dict]:
        return [e for e in self.sent if e.get("type") == kind]

    def wait_for(self, kind: str, match: Callable[[dict], bool] = lambda e: True) -> dict:
        """The first `kind` event matching, waiting up to 5 s (Playwright serves routes
        only while we are inside one of its calls, hence the short waits)."""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            found = [e for e in self.of(kind) if match(e)]
            if found:
                return found[0]
            self.page.wait_for_timeout(50)
        raise AssertionError(f"no matching {kind} event; sent: {self.sent}")


@pytest.fixture
def context(chromium):
    context = chromium.new_context()
    context.set_default_timeout(5000)
    yield context
    context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    page.events = Events(page)
    # Routed on the context so beacons sent while a page unloads are caught too.
    context.route("**/t/v1/events", page.events.handle)
    return page


def visitor_cookie(context) -> str:
    cookies = {c["name"]: c for c in context.cookies()}
    return cookies["lv_vid"]["value"]


def test_page_views_on_load_and_navigation_with_one_visitor_id(chromium, page, context,
                                                                base_url):
    page.add_init_script(
        'document.addEventListener("liveapp:ready", e => { window.readyDetail = e.detail; })'
    )
    page.goto(f"{base_url}/demo-site/")
    home = page.events.wait_for("page_view")
    assert home["site_key"] == KEY
    assert home["url"] == f"{base_url}/demo-site/"
    assert home["title"] == "Product analytics for B2B teams · Skylark Analytics"
    assert home["referrer"] == ""
    assert home["_content_type"] == "application/json"
    assert uuid.UUID(home["visitor_id"]).version == 4

    page.wait_for_function("() => window.liveapp.token !== null")
    assert page.evaluate("window.liveapp.token") == TOKEN
    assert page.evaluate("window.readyDetail") == {"visitor_id": home["visitor_id"],
                                                    "token": TOKEN}

    page.click("nav >> text=Pricing")
    pricing = page.events.wait_for("page_view", lambda e: e["url"].endswith("/pricing"))
    assert pricing["title"] == "Pricing · Skylark Analytics"
    assert pricing["referrer"] == f"{base_url}/demo-site/"

    cookie = next(c for c in context.cookies() if c["name"] == "lv_vid")
    assert cookie["value"] == home["visitor_id"]
    assert cookie["sameSite"] == "Lax" and cookie["path"] == "/"
    assert cookie["expires"] > time.time() + 360 * 86400
    assert {e["visitor_id"] for e in page.events.sent} == {home["visitor_id"]}

    # Another tab of the same browser is the same visitor.
    other = context.new_page()
    other.goto(f"{base_url}/demo-site/careers")
    page.events.wait_for("page_view", lambda e: e["url"].endswith("/careers"))
    assert {e["visitor_id"] for e in page.events.sent} == {home["visitor_id"]}

    # A beacon sent while a page really unloads bypasses Playwright's routes (it still
    # reaches the server), so fire the pagehide handler on a live page instead.
    other.evaluate("dispatchEvent(new PageTransitionEvent('pagehide'))")
    leave = page.events.wait_for("leave")
    assert leave["url"] == f"{base_url}/demo-site/careers"
    assert leave["visitor_id"] == home["visitor_id"] and leave["site_key"] == KEY
    # CORS-safelisted, so no preflight: the events API must accept JSON sent as text/plain.
    assert leave["_content_type"].startswith("text/plain")

    # Another browser is another visitor.
    fresh = chromium.new_context()
    try:
        events = Events(fresh.new_page())
        fresh.route("**/t/v1/events", events.handle)
        events.page.goto(f"{base_url}/demo-site/")
        assert events.wait_for("page_view")["visitor_id"] != home["visitor_id"]
    finally:
        fresh.close()



def test_outbound_click_through_identifies_and_is_stripped(page, base_url):
    email = "jane.doe@acme-robotics.example"
    page.goto(f"{base_url}/demo-site/pricing?utm_source=email&lv_email={quote(email)}"
              "&lv_src=outreach#plans")
    identify = page.events.wait_for("identify")
    assert identify["email"] == email
    assert identify["traits"] == {"source": "outreach"}
    assert page.evaluate("location.href") == f"{base_url}/demo-site/pricing?utm_source=email#plans"
    view = page.events.wait_for("page_view")
    assert "lv_" not in view["url"] and "utm_source=email" in view["url"]
    # Page view first, then identify: the server sees the visit before the prospect.
    assert [e["type"] for e in page.events.sent[:2]] == ["page_view", "identify"]


def test_click_through_from_salesloft_and_a_bad_source(page, base_url):
    page.goto(f"{base_url}/demo-site/?lv_email=bob%40big-freight.example&lv_src=salesloft")
    assert page.events.wait_for("identify")["traits"] == {"source": "salesloft"}
    page.goto(f"{base_url}/demo-site/?lv_email=cara%40big-freight.example&lv_src=spam")
    cara = page.events.wait_for("identify", lambda e: e["email"].startswith("cara"))
    assert cara["traits"] == {}
    page.goto(f"{base_url}/demo-site/?lv_email=%7B%7Bemail%7D%7D&lv_src=outreach")
    page.events.wait_for("page_view", lambda e: e["url"] == f"{base_url}/demo-site/"
                         and e["referrer"] == "")
    page.wait_for_timeout(200)
    assert len(page.events.of("identify")) == 2  # an unfilled merge field is not an email
    assert page.evaluate("location.search") == ""


def test_identify_form_and_api_send_identify(page, base_url):
    page.goto(f"{base_url}/demo-site/contact")
    page.events.wait_for("page_view")
    assert page.evaluate("liveapp.identify('nope')") is False
    assert page.evaluate("liveapp.identify(' ann@acme-robotics.example ', {plan: 'growth'})")
    api = page.events.wait_for("identify")
    assert api["email"] == "ann@acme-robotics.example" and api["traits"] == {"plan": "growth"}

    page.fill("input[name=email]", "not an email")
    page.click("button[type=submit]")  # the server answers 422 with the form again
    page.wait_for_selector("text=That is not an email.")
    assert len(page.events.of("identify")) == 1

    page.fill("input[name=name]", "Jane Doe")
    page.fill("input[name=email]", "jane.doe@acme-robotics.example")
    page.click("button[type=submit]")
    identify = page.events.wait_for("identify", lambda e: e["email"].startswith("jane"))
    assert identify["traits"] == {"source": "form"}
    assert identify["url"] == f"{base_url}/demo-site/contact"
    page.wait_for_url(re.compile(r".*/demo-site/contact/thanks$"))
    assert "Thanks Jane Doe!" in page.text_content("main")



def test_spa_navigation_sends_page_views(page, base_url):
    page.goto(f"{base_url}/demo-site/docs")
    page.events.wait_for("page_view")
    page.click(".doc-nav >> text=Install the agent")  # docs.js uses history.pushState
    install = page.events.wait_for("page_view", lambda e: e["url"].endswith("topic=install"))
    assert install["title"] == "Install the agent · Docs · Skylark Analytics"
    assert install["referrer"] == f"{base_url}/demo-site/docs"
    page.go_back()  # popstate
    page.events.wait_for("page_view", lambda e: e["referrer"].endswith("topic=install"))
    page.evaluate("history.replaceState(null, '', '/demo-site/docs#section')")
    page.evaluate("history.pushState(null, '', '/demo-site/app#/reports')")
    page.events.wait_for("page_view", lambda e: e["url"].endswith("#/reports"))
    assert [e["url"].removeprefix(base_url) for e in page.events.of("page_view")] == [
        "/demo-site/docs", "/demo-site/docs?topic=install", "/demo-site/docs",
        "/demo-site/app#/reports",  # an in-page anchor (#section) is not a page
    ]
    assert all(e["visitor_id"] == install["visitor_id"] for e in page.events.sent)



def test_heartbeats_report_activity(page, base_url):
    page.clock.install()
    page.goto(f"{base_url}/demo-site/")
    page.events.wait_for("page_view")
    page.clock.run_for(15_500)
    first = page.events.wait_for("heartbeat")
    assert first["active"] is True  # the page load counts as activity
    page.clock.run_for(30_000)  # no input for 45 s: beats at 30 s and 45 s are idle
    idle = lambda: [h for h in page.events.of("heartbeat") if h["active"] is False]  # noqa: E731
    page.events.wait_for("heartbeat", lambda e: len(idle()) == 2)
    beats = len(page.events.of("heartbeat"))
    page.mouse.move(40, 40)  # back: reported at once, not at the next beat
    page.events.wait_for("heartbeat", lambda e: len(page.events.of("heartbeat")) > beats)
    assert page.events.sent[-1]["type"] == "heartbeat"
    assert page.events.sent[-1]["active"] is True
