"""Every page, as an admin and as a rep with demo data, and the public ones (sign-in, a 404,
the demo site with its chat widget): no console error, no uncaught page error, no HTTP
error answer, and no "serious" or "critical" axe-core violation (issue 15, finding 9).

Pages are found by following the same-origin links of the board, the navigation and the
settings pages (GET only; downloads, JSON and live streams are skipped), a few of each
kind (one visitor page looks like the next). A failure names each page and what it found.
"""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urldefrag, urlsplit

import httpx
import pytest
from werkzeug.routing import RequestRedirect

from liveapp.demo import seeding
from liveapp.extensions import db
from liveapp.models import Meeting
from liveapp.models.user import utcnow
from liveapp.services.chat import canned_replies, conversations
from liveapp.services.live import arrivals
from liveapp.services.routing import assignments
from liveapp.services.routing.assignments import Assignment
from liveapp.services.settings.users import find_user_by_email
from tests.browser.conftest import leave_no_stream
from tests.browser.helpers import SETTLED, axe_problems, record_console, settings_links, sign_in
from tests.visitor_ids import cookie_of, tracked

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

SKIP = re.compile(r"/auth/logout|/events/|/t/v1/|/static/|download|export|\.csv|\.json"
                  r"|/metrics|/healthz|/readyz"
                  r"|/settings/jobs/(.*/)?(compact|empty|requeue|delete)\b")  # rq-dashboard's POSTs
SAME_KIND = 2  # pages per path shape (ids as N): the third visitor page finds nothing new
MAX_PAGES = 90  # a bound on the crawl; reaching it fails the test (raise it)
# Settings → Jobs: rq-dashboard's pages (liveapp's copies of some of its templates, see
# templates/rq_dashboard/), checked like the rest; its many views of one kind as one.
DASHBOARD = "/settings/jobs/"
LIVE = "() => window.liveapp && window.liveapp.chat && window.liveapp.chat.live === true"
# The app's GET endpoints that are not pages: fragments htmx swaps into a page checked here
# (checked there, as they show), the live stream, the widget's and machines' data, icons.
# Every other GET endpoint must be reached by a crawl below: a new page is checked, or
# named here with its reason.
NOT_PAGES = {
    "board.body", "board.card", "board.detail", "board.chat", "offers.index",  # the board's
    "experiences.step_row", "experiences.url_rule_row", "segments.condition_row",  # forms'
    "segments.condition_removed", "status.figures_fragment", "integrations.users",
    "my_replies.for_conversation", "transfers.form",  # the chat box's lists
    "events.stream", "widget.read", "widget.slots", "metrics.scrape", "health.healthz",
    "health.readyz", "favicon", "static", "reports.download",  # a CSV, not a page
}
PUBLIC = {"auth.login", "demo_site.home", "demo_site.page", "demo_site.contact",
          "demo_site.thanks"}
# A rep's pages (the settings are the admin's: 403 for a rep, tests/test_access*).
REP_PAGES = {"board.index", "board.visitor", "meetings.index", "conversations.index",
             "conversations.show", "my_replies.index", "my_replies.new", "my_replies.edit",
             "reports.index"}
ADMIN, ANN = f"admin@{seeding.DEMO_DOMAIN}", f"ann@{seeding.DEMO_DOMAIN}"


@pytest.fixture
def demo_data(app_ctx, live_server):
    """`liveapp seed-demo`'s data, visitors tracked through the events API over HTTP (some
    routed to Ann, one chatting with her, one with a meeting booked) and the demo site's
    pages allowed to send from this server."""
    seeding.seed()
    seeding.allow_demo_origin(live_server)
    site = seeding.demo_site()
    ann = find_user_by_email(ANN)
    views = [("pricing", "Pricing"), ("docs", "Docs"), ("product", "Product"),
             ("careers", "Careers"), ("contact", "Contact us")]
    vids = []
    for path, title in views:
        vid = tracked()
        for url in (f"{live_server}/demo-site/", f"{live_server}/demo-site/{path}"):
            answer = httpx.post(f"{live_server}/t/v1/events", timeout=5,
                                headers={"Origin": live_server},
                                json={"site_key": site.site_key, "visitor_id": cookie_of(vid),
                                      "type": "page_view", "url": url, "title": title})
            assert answer.status_code == 202, answer.text
        vids.append(vid)
    for vid in vids[:3]:
        assignments.save(vid, Assignment(rule_name="High Intent", mode="first_available",
                                         routed_to=[ann.id], explanation="routed to Ann"))
    for owner in (ann, find_user_by_email(ADMIN)):  # their own replies (and edit pages)
        canned_replies.save(None, owner=owner, shortcut="annual",
                            body="Annual plans save two months, {first_name}.")
    conversation = conversations.claim(vids[0], ann, "pounce")
    conversations.post(conversation, "rep", "Hi, I'm Ann. Questions about <b>pricing</b>?", rep=ann)
    conversations.post(conversation, "visitor", "Yes: annual plans?")
    start = utcnow().replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    db.session.add(Meeting(visitor_id=vids[1], rep_id=ann.id, starts_at=start,
                           ends_at=start + timedelta(minutes=30), email="pat@acme.example",
                           status="booked"))
    db.session.commit()
    return vids


@pytest.fixture
def checked(page, app, monkeypatch):
    """check(name) -> problems of the page open now: console errors since the last check,
    and axe-core's serious and critical violations; the page's SSE streams end with the
    test."""
    monkeypatch.setitem(app.config, "SSE_PING_INTERVAL", 0.2)
    console = record_console(page)

    def check(name: str) -> list[str]:
        page.wait_for_load_state("load")
        page.wait_for_function(SETTLED)
        page.wait_for_timeout(150)  # htmx loads on "load" and the live stream's first events
        found = [f"{name}: {line}" for line in console]
        console.clear()
        return found + axe_problems(page, name)

    yield check
    leave_no_stream(app, page)


def kind(url: str) -> str:
    """The page's shape: ids as N, the query's names only; the dashboard's many views of
    its queues and registries as the view's name."""
    parts = urlsplit(url)
    path = re.sub(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}|\d+", "N", parts.path)
    if path.startswith(DASHBOARD):
        path = "/".join(path.split("/")[:6])
    return path + "?" + "&".join(sorted(p.split("=")[0] for p in parts.query.split("&") if p))


def crawl(page, live_server: str, starts: list[str], check) -> tuple[list[str], list[str]]:
    """Visit starts and every same-origin page they link to (breadth first); returns the
    pages seen and the problems found."""
    queue, seen, kinds, problems = list(starts), set(), {}, []
    while queue:
        url = urldefrag(queue.pop(0))[0]
        if url in seen or SKIP.search(url) or kinds.get(kind(url), 0) >= SAME_KIND:
            continue
        assert len(seen) < MAX_PAGES, f"more pages than MAX_PAGES, not checked: {url}"
        seen.add(url)
        kinds[kind(url)] = kinds.get(kind(url), 0) + 1
        page.goto(url)
        path = url.removeprefix(live_server)
        problems += check(path)
        links = page.locator("a[href]").evaluate_all("as => as.map(a => a.href)")
        queue += [link for link in links if link.startswith(live_server + "/")
                  and not link.startswith(live_server + "/demo-site")]
    return sorted(seen), problems


def endpoints(app, urls) -> set[str]:
    """The Flask endpoints that answered these URLs (rq-dashboard's as one)."""
    adapter = app.url_map.bind("localhost")
    found = set()
    for url in urls:
        try:
            found.add(adapter.match(urlsplit(url).path, method="GET")[0])
        except RequestRedirect as redirect:  # a path without its slash
            found.add(adapter.match(urlsplit(redirect.new_url).path, method="GET")[0])
    return {"rq_dashboard" if e.startswith("rq_dashboard.") else e for e in found}


def admin_pages(app) -> set[str]:
    """Every GET endpoint that is a page an admin opens: all but NOT_PAGES and PUBLIC."""
    found = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    found = {"rq_dashboard" if e.startswith("rq_dashboard.") else e for e in found}
    return found - NOT_PAGES - PUBLIC


def assert_clean(problems: list[str]) -> None:
    assert problems == [], "\n" + "\n".join(problems)


def test_every_admin_page(page, app, live_server, demo_data, failed_job, checked):
    sign_in(page, live_server, ADMIN, seeding.DEMO_PASSWORD)
    page.wait_for_selector(f'[id="visitor-{demo_data[0]}"]')
    jobs = f"{live_server}{DASHBOARD}0/view"
    starts = [f"{live_server}/", *settings_links(page),
              f"{jobs}/jobs/{failed_job.origin}/failed/8/asc/1", f"{jobs}/job/{failed_job.id}",
              f"{live_server}/board/visitors/{demo_data[0]}",
              f"{live_server}/board/visitors/{demo_data[1]}"]
    seen, problems = crawl(page, live_server, starts, checked)
    assert len(seen) >= 30, seen  # the crawl reached the settings and their forms
    missed = admin_pages(app) - endpoints(app, seen)
    assert missed == set(), f"pages no crawl reached (link them, or see NOT_PAGES): {missed}"
    views = {f"{DASHBOARD}N/view/{view}?" for view in ("queues", "workers", "jobs", "job")}
    assert views <= {kind(url) for url in seen}, seen
    assert_clean(problems)


def test_every_rep_page(page, app, live_server, demo_data, checked):
    sign_in(page, live_server, ANN, seeding.DEMO_PASSWORD)
    page.wait_for_selector(f'[id="visitor-{demo_data[0]}"]')
    # The board's live parts too: an inbound chat offered to Ann, a pounce arrival notice.
    ann = find_user_by_email(ANN)
    assignments.save(demo_data[3], Assignment(
        rule_name="Inbound", mode="first_available", offered_to=[ann.id], outcome="offer",
        trigger="inbound", explanation="asked to chat"))
    pounce = Assignment(rule_name="Pounce", mode="first_available", routed_to=[ann.id],
                        offered_to=[ann.id], outcome="offer", trigger="pounce",
                        reason="from your Outreach sequence")
    assignments.save(demo_data[2], pounce)
    arrivals.announce(demo_data[2], pounce)
    page.wait_for_selector(f"#offer-{demo_data[3]}")
    page.wait_for_selector(f"#arrival-{demo_data[2]}")
    assert_clean(checked("/ (with an offer and an arrival)"))
    starts = [f"{live_server}/", f"{live_server}/board/visitors/{demo_data[0]}",
              f"{live_server}/board/visitors/{demo_data[1]}"]
    seen, problems = crawl(page, live_server, starts, checked)
    missed = REP_PAGES - endpoints(app, seen)
    assert missed == set(), f"a rep's pages no crawl reached: {missed}"
    # What the chat box opens on demand: the canned replies list, the transfer form.
    page.goto(f"{live_server}/board/visitors/{demo_data[0]}")
    page.locator(".chat-form textarea").click()
    page.keyboard.type("/")
    page.wait_for_selector("[id^=canned-] [role=listbox]")
    problems += checked("/board/visitors/N with the canned replies open")
    page.keyboard.press("Escape")
    page.fill(".chat-form textarea", "")
    page.click("text=Transfer…")
    page.wait_for_selector(".transfer-form")
    problems += checked("/board/visitors/N with the transfer form open")
    assert_clean(problems)


def test_the_public_pages_and_the_widget(page, live_server, demo_data, checked):
    problems = []
    page.goto(f"{live_server}/auth/login")
    problems += checked("/auth/login")
    for path in ("/", "/product", "/docs", "/customers", "/careers", "/contact",
                 "/contact/thanks", "/pricing"):
        page.goto(f"{live_server}/demo-site{path}")
        page.wait_for_function(LIVE)
        problems += checked(f"/demo-site{path}")
    # The chat widget open on the pricing page, its flow asking its first question.
    page.click(".lvw-launcher")
    page.wait_for_selector(".lvw-choice >> text=Talk to sales")
    problems += checked("/demo-site/pricing with the widget open")
    assert_clean(problems)


def test_the_not_found_pages(page, live_server, demo_data, checked):
    """A 404 answer is the point here: the lines the browser logs for the page's own answer
    are expected, anything else (and axe-core's findings) is not."""
    def problems(url: str, name: str) -> list[str]:
        answer = page.goto(live_server + url)
        assert answer.status == 404
        return [p for p in checked(name) if not p.rstrip(")").endswith(live_server + url)]

    found = problems("/no-such-page", "/no-such-page (signed out)")
    sign_in(page, live_server, ADMIN, seeding.DEMO_PASSWORD)
    found += problems("/board/visitors/no-such-visitor", "/board/visitors/no-such-visitor")
    found += problems("/settings/streams/999", "/settings/streams/999")
    assert_clean(found)
