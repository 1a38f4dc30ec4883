"""The rep's and admin's screens (issue 15) in a real browser: the stream colour picker,
the board fitting a 1440 px screen with live counts, phones at 375 px, and pages that log
no console error with live traffic. Screenshots go under each test's tmp_path."""

from __future__ import annotations

import time

import httpx
import pytest

from liveapp.extensions import redis
from liveapp.services.live import arrivals
from liveapp.services.membership import live_membership
from liveapp.services.routing import assignments
from liveapp.services.routing.assignments import Assignment
from tests.board import conftest as board_fixtures
from tests.board.conftest import ORIGIN, PRICING, Visitors, _url_segment
from tests.browser.helpers import (
    DESKTOP,
    PHONE,
    record_console,
    screenshots,
    settings_links,
    sign_in,
)
from tests.factories import (
    ExperienceFactory,
    GroupFactory,
    RoutingRuleFactory,
    StreamFactory,
)
from tests.visitor_ids import cookie_of
from tests.visitor_ids import tracked as tracked_id

api, site = board_fixtures.api, board_fixtures.site
pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("streams_end_with_the_test")]
WAIT_MS = 5_000  # upper bound of every wait; nothing here asserts a timing


@pytest.fixture
def console(page):
    """Every console error and failed request of the page, as text."""
    return record_console(page)


@pytest.fixture
def five_streams(app_ctx):
    """Five streams (the admin board's sixth column is "Other visitors"), chosen by URL."""
    names = ["Pricing", "Docs", "Blog", "Careers", "Partners"]
    made = {n.lower(): StreamFactory(name=n, position=i, colour=c,
                                     segments=[_url_segment(f"On {n}", f"/{n.lower()}")])
            for i, (n, c) in enumerate(zip(names, ["#c62f3a", "#1f9d55", "#d69e2e",
                                                   "#7c3aed", "#0e7490"], strict=True))}
    live_membership.bump_settings_version()
    return made


@pytest.fixture
def tracked(live_server, site):
    """Page views through the real events API (over HTTP, as a browser's snippet sends)."""
    def send(vid: str | None = None, url: str = PRICING, **fields) -> str:
        """Returns the visitor's internal id (what the pages show); posts its cookie id."""
        vid = tracked_id(vid)
        body = {"site_key": site.site_key, "visitor_id": cookie_of(vid), "type": "page_view",
                "url": url, **fields}
        answer = httpx.post(f"{live_server}/t/v1/events", json=body,
                            headers={"Origin": ORIGIN}, timeout=5)
        assert answer.status_code == 202, answer.text
        return vid

    return send


def open_board(page, live_server, user) -> None:
    sign_in(page, live_server, user.email)
    page.wait_for_selector("[data-sse-open]", state="attached")


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def counts(page) -> dict[str, str]:
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('.column')]
        .filter(c => c.querySelector('[data-column-count]'))
        .map(c => [c.id, c.querySelector('[data-column-count]').textContent.trim()]))""")


# ---------------------------------------------------------------- 1. colour picker


def rgb_to_hex(rgb: str) -> str:
    parts = rgb[rgb.index("(") + 1:rgb.index(")")].split(",")[:3]
    return "#" + "".join(f"{int(p.strip()):02x}" for p in parts)


def test_the_stream_colour_picker_shows_each_colour_and_the_chosen_one(
        page, live_server, admin, tmp_path):
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server, admin.email)
    page.goto(f"{live_server}/settings/streams/new")
    choices = page.locator(".palette label:has(.chip)")
    assert choices.count() >= 8
    rows = {round(choices.nth(i).bounding_box()["y"]) for i in range(3)}
    assert len(rows) == 1  # laid out in a row, not a column of boxes
    for i in range(choices.count()):
        choice = choices.nth(i)
        value = choice.locator("input[type=radio]").get_attribute("value")
        chip = choice.locator(".chip")
        box = chip.bounding_box()
        assert box["width"] >= 12 and box["height"] >= 12
        assert rgb_to_hex(chip.evaluate("e => getComputedStyle(e).backgroundColor")) == \
            value.lower()
        # The label itself is not painted (the board's .swatch used to make it a blue box).
        assert choice.evaluate("e => getComputedStyle(e).backgroundColor") in (
            "rgb(255, 255, 255)", "rgba(0, 0, 0, 0)")

    def marked(i: int) -> str:
        return choices.nth(i).evaluate("e => getComputedStyle(e).borderColor")

    assert choices.nth(0).locator("input").is_checked()
    assert marked(0) != marked(1)
    # Keyboard: the radios take focus and arrows move the choice (and its mark).
    choices.nth(0).locator("input").focus()
    page.keyboard.press("ArrowRight")
    assert choices.nth(1).locator("input").is_checked()
    assert marked(1) != marked(0)
    assert choices.nth(1).evaluate(
        "e => getComputedStyle(e).outlineStyle") != "none"  # focus is visible
    screenshots(page, tmp_path, "colour-picker")
    page.set_viewport_size(PHONE)  # on a phone the chips wrap inside the screen
    last = choices.nth(choices.count() - 1).bounding_box()
    assert last["x"] + last["width"] <= PHONE["width"] and page_width(page) <= PHONE["width"]


# ---------------------------------------------------------------- 2. the board at 1440 px


def test_the_admin_board_fits_a_1440_screen_with_live_counts(
        page, live_server, app_ctx, admin, five_streams, tracked, tmp_path):
    for name in five_streams:
        for _ in range(2 if name == "pricing" else 1):
            tracked(url=f"{ORIGIN}/{name}", title=name.title())
    for _ in range(14):  # enough cards to overflow a column's height
        tracked(url=f"{ORIGIN}/docs", title="Docs")
    tracked(url=f"{ORIGIN}/about", title="About us")  # "Other visitors"
    page.set_viewport_size(DESKTOP)
    open_board(page, live_server, admin)
    pricing = f"stream-{five_streams['pricing'].id}"
    docs = f"stream-{five_streams['docs'].id}"
    assert counts(page)[pricing] == "2" and counts(page)[docs] == "15"
    assert counts(page)["stream-other"] == "1"

    layout = page.evaluate("""() => {
        const board = document.querySelector('#board-body');
        const heads = [...document.querySelectorAll('.column-head')].map(h => {
            const r = h.getBoundingClientRect(); return r.right <= innerWidth && r.left >= 0; });
        return {pageHeight: document.documentElement.scrollHeight,
                pageWidth: document.documentElement.scrollWidth,
                allHeadsVisible: heads.every(Boolean),
                boardScrolls: board.scrollWidth > board.clientWidth
                    && getComputedStyle(board).overflowX === 'auto',
                boardBottom: board.getBoundingClientRect().bottom};
    }""")
    assert layout["pageHeight"] <= DESKTOP["height"] + 4, layout
    assert layout["pageWidth"] <= DESKTOP["width"], layout
    assert layout["allHeadsVisible"] or layout["boardScrolls"], layout
    assert layout["boardBottom"] <= DESKTOP["height"] + 1, layout
    # The long column scrolls on its own.
    cards = page.locator(f"#{docs}-cards")
    assert cards.evaluate("e => e.scrollHeight > e.clientHeight "
                          "&& getComputedStyle(e).overflowY === 'auto'")

    arrived = tracked(url=f"{ORIGIN}/pricing", title="Pricing plans")
    page.wait_for_selector(f'#{pricing}-cards [id="visitor-{arrived}"]', timeout=WAIT_MS)
    page.wait_for_function(f"() => document.querySelector('#{pricing} [data-column-count]')"
                           ".textContent.trim() === '3'", timeout=WAIT_MS)
    tracked(arrived, url=f"{ORIGIN}/blog", title="Blog")  # moves: Pricing 2, Blog 2
    blog = f"stream-{five_streams['blog'].id}"
    page.wait_for_selector(f'#{blog}-cards [id="visitor-{arrived}"]', timeout=WAIT_MS)
    page.wait_for_function(f"() => document.querySelector('#{blog} [data-column-count]')"
                           ".textContent.trim() === '2'", timeout=WAIT_MS)
    assert counts(page)[pricing] == "2"
    screenshots(page, tmp_path, "admin-board")


def test_a_reps_column_counts_its_first_live_card(page, live_server, app_ctx, api, five_streams,
                                                  make_user, tracked):
    """A rep's empty columns have no head; the head that arrives with a card counts it."""
    rep = make_user(role="rep", email="a@example.com", name="Alice Rep")
    open_board(page, live_server, rep)
    vid = tracked(url=f"{ORIGIN}/careers", title="Careers")
    Visitors(api).route(vid, rep)
    careers = f"stream-{five_streams['careers'].id}"
    page.wait_for_selector(f'#{careers}-cards [id="visitor-{vid}"]', timeout=WAIT_MS)
    page.wait_for_function(f"() => document.querySelector('#{careers} [data-column-count]')"
                           ".textContent.trim() === '1'", timeout=WAIT_MS)


# ---------------------------------------------------------------- 3. phones


def test_every_admin_page_fits_a_phone(page, live_server, app_ctx, admin, five_streams,
                                       make_user, tracked, tmp_path):
    rep = make_user(role="rep", email="eli.evans.with.a.long.address@example.com",
                    name="Eli Evans")
    GroupFactory(name="Enterprise team", members=[rep])
    RoutingRuleFactory(name="Target accounts on pricing", route_to_all=False,
                       route_to_users=[rep])
    ExperienceFactory(name="Pricing page greeting")
    vid = tracked(url=f"{ORIGIN}/pricing", title="Pricing plans")
    page.set_viewport_size(PHONE)
    open_board(page, live_server, admin)
    page.wait_for_selector(f'[id="visitor-{vid}"]')
    nav = page.locator("header.topbar")
    for name in ("Board", "Reports", "Streams", "Sign out"):  # reachable: wrapped, on-screen
        box = nav.get_by_text(name, exact=True).first.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], name
    assert nav.get_by_label("Availability").bounding_box()["x"] >= 0
    wide = {}

    def check(name: str, url: str | None) -> None:
        if url:
            page.goto(url)
        page.wait_for_load_state("load")
        page.screenshot(path=str(tmp_path / f"phone-{name}.png"), full_page=True)
        if page_width(page) > PHONE["width"]:
            wide[name] = page_width(page)

    check("board", None)
    check("visitor", f"{live_server}/board/visitors/{vid}")
    for href in settings_links(page):
        name = href.rstrip("/").rsplit("/", 1)[-1]
        check(name, href)
        forms = page.locator("main a.button.primary").evaluate_all("as => as.map(a => a.href)")
        for i, form in enumerate(forms):  # its "New …" form(s)
            check(f"{name}-new{i}", form)
    for name, url in (("meetings", "/meetings/"), ("conversations", "/conversations/"),
                      ("reports", "/reports/"), ("reports-reps", "/reports/?section=reps")):
        check(name, live_server + url)
    assert wide == {}


def test_a_rep_watches_their_board_and_answers_a_chat_on_a_phone(
        page, live_server, app_ctx, api, five_streams, make_user, tracked, tmp_path):
    rep = make_user(role="rep", email="a@example.com", name="Alice Rep")
    page.set_viewport_size(PHONE)
    open_board(page, live_server, rep)
    assert page_width(page) <= PHONE["width"]
    header = page.locator("header.topbar")  # the rep's header: all of it on the screen
    for name in ("Board", "Meetings", "Conversations", "My replies", "Alice Rep", "Sign out"):
        box = header.get_by_text(name, exact=True).first.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], name
    box = header.get_by_label("Availability").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    vids = [tracked(url=f"{ORIGIN}/{name}", title=name.title()) for name in five_streams]
    for vid in vids:
        Visitors(api).route(vid, rep)
    for vid in vids:
        page.wait_for_selector(f'[id="visitor-{vid}"]', timeout=WAIT_MS)
    assert page_width(page) <= PHONE["width"]
    screenshots(page, tmp_path, "rep-board")
    # Every column can be reached by scrolling the board, not the page.
    last = page.locator(".column").filter(has=page.locator(".visitor-card")).last
    last.scroll_into_view_if_needed()
    box = last.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 1
    assert page_width(page) <= PHONE["width"]

    page.click(f'[id="visitor-{vids[0]}"] .vc-name')
    page.wait_for_selector("[data-sse-open]", state="attached")
    page.click("text=Start conversation")
    page.wait_for_selector(".chat-form textarea")
    page.fill(".chat-form textarea", "Hello from my phone")
    page.click(".chat-form button[type=submit]")
    page.wait_for_selector(".message-rep .body:text('Hello from my phone')", timeout=WAIT_MS)
    assert page.locator(".chat-form textarea").bounding_box()["width"] <= PHONE["width"]
    assert page_width(page) <= PHONE["width"]
    screenshots(page, tmp_path, "rep-chat")


# ---------------------------------------------------------------- 6. console noise


def live_traffic(api, tracked, rep, streams) -> list[str]:
    """Visitors arrive, are routed (some to the rep), move between streams and leave."""
    from liveapp.domain.visitor_presence import LEAVE_GRACE
    from liveapp.services.tracking import visitor_events

    visitors = Visitors(api)
    vids = [tracked(url=f"{ORIGIN}/{name}", title=name.title()) for name in streams]
    vids.append(tracked(url=f"{ORIGIN}/about", title="About us"))  # in no stream
    for vid in vids[:3]:
        visitors.route(vid, rep)
    tracked(vids[0], url=f"{ORIGIN}/docs", title="Docs")  # moves
    tracked(vids[3], url=f"{ORIGIN}/pricing", title="Pricing")  # someone else's visitor
    visitors.route(vids[3], rep)
    tracked(vids[4], type="leave", url=f"{ORIGIN}/partners")
    visitor_events.expire_presence(time.time() + LEAVE_GRACE + 1)
    # An inbound chat offered to the rep (an accept prompt), and a pounce arrival notice,
    # told twice (the second replaces the first on the rep's page).
    assignments.save(vids[1], Assignment(rule_name="Inbound", mode="first_available",
                                         offered_to=[rep.id], outcome="offer",
                                         trigger="inbound", explanation="asked to chat"))
    pounce = Assignment(rule_name="Pounce", mode="first_available", routed_to=[rep.id],
                        offered_to=[rep.id], outcome="offer", trigger="pounce",
                        reason="from your Outreach sequence")
    assignments.save(vids[2], pounce)
    arrivals.announce(vids[2], pounce)
    redis.client.delete(arrivals.notified_key(vids[2], rep.id))
    arrivals.announce(vids[2], pounce)
    return vids


def test_board_visitor_and_settings_pages_log_no_console_error(
        page, chromium, live_server, app_ctx, api, admin, five_streams, make_user, tracked,
        console, tmp_path):
    rep = make_user(role="rep", email="a@example.com", name="Alice Rep")
    rep_page = chromium.new_context().new_page()
    rep_console = record_console(rep_page)
    try:
        open_board(page, live_server, admin)
        open_board(rep_page, live_server, rep)
        vids = live_traffic(api, tracked, rep, five_streams)
        page.wait_for_selector(f'[id="visitor-{vids[3]}"]', timeout=WAIT_MS)
        rep_page.wait_for_selector(f'[id="visitor-{vids[3]}"]', timeout=WAIT_MS)
        rep_page.wait_for_selector(f"#offer-{vids[1]}", timeout=WAIT_MS)
        rep_page.wait_for_selector(f"#arrival-{vids[2]}", timeout=WAIT_MS)
        rep_page.wait_for_timeout(300)
        assert rep_page.locator(f"#arrival-{vids[2]}").count() == 1
        page.wait_for_selector(f'[id="visitor-{vids[4]}"]', state="detached", timeout=WAIT_MS)

        # The rep on a visitor's page while the traffic goes on (other visitors too).
        rep_page.goto(f"{live_server}/board/visitors/{vids[1]}")
        rep_page.wait_for_selector("[data-sse-open]", state="attached")
        page.goto(f"{live_server}/board/visitors/{vids[2]}")
        page.wait_for_selector("[data-sse-open]", state="attached")
        more = live_traffic(api, tracked, rep, five_streams)
        tracked(vids[1], url=f"{ORIGIN}/blog", title="Blog")
        rep_page.wait_for_selector(f"#timeline-{vids[1]} li:has-text('Blog')",
                                   timeout=WAIT_MS)
        page.goto(f"{live_server}/")
        page.wait_for_selector(f'[id="visitor-{more[3]}"]', timeout=WAIT_MS)
        for href in settings_links(page):
            page.goto(href)
            page.wait_for_load_state("load")
        page.goto(f"{live_server}/settings/streams/new")
        rep_page.goto(f"{live_server}/")
        rep_page.wait_for_selector("[data-sse-open]", state="attached")
        live_traffic(api, tracked, rep, five_streams)
        rep_page.wait_for_timeout(500)
        screenshots(rep_page, tmp_path, "rep-board-live-traffic")
    finally:
        rep_page.goto("about:blank")
        rep_page.context.close()
    assert console == []
    assert rep_console == []


def test_the_favicon_is_served_where_browsers_look(page, live_server, admin):
    sign_in(page, live_server, admin.email)
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert httpx.get(f"{live_server}{icon}", timeout=5).headers["content-type"].startswith(
        "image/svg+xml")
    answer = httpx.get(f"{live_server}/favicon.ico", timeout=5, follow_redirects=True)
    assert answer.status_code == 200 and answer.url.path == icon
