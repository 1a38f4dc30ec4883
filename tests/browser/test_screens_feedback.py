"""The rep's and visitor's screens say what happened (issue 15, findings 7 and 10), in
real browsers: the rep whose Accept lost the race is told who accepted first; going Away
takes a live offer (and its countdown) off the board; a pounce closes the bot's pending
question in the widget; a meeting slot is picked, then confirmed, by keyboard too; and the
board's filter finds visitors by name, company, stream or rep, live cards included.
Screenshots go under each test's tmp_path."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from liveapp.extensions import db
from liveapp.models import Meeting, Visitor
from liveapp.services.chat import conversations
from liveapp.services.routing import assignments
from tests.board.conftest import ORIGIN, Visitors
from tests.browser.helpers import axe_problems, eventually, screenshots
from tests.browser.test_conversations_e2e import (
    LIVE,
    _visitor_id,
    asks_for_a_rep,
    demo,
    visitor_page,
)
from tests.browser.test_inbound_prompts import prompt, visitor_asks_to_chat
from tests.browser.test_screens import (
    DESKTOP,
    PHONE,
    console,
    counts,
    five_streams,
    open_board,
    tracked,
)
from tests.factories import RoutingRuleFactory
from tests.routing_jobs import conftest as routing_fixtures
from tests.routing_jobs.conftest import work

api, site = routing_fixtures.api, routing_fixtures.site
job_app, make_rule = routing_fixtures.job_app, routing_fixtures.make_rule
# Fixtures shared with the conversations and screens tests.
__all__ = ["console", "demo", "five_streams", "tracked", "visitor_page"]

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]
WAIT_MS = 5_000  # upper bound of every wait; nothing here asserts a timing


# ---------------------------------------------------------------- 7. feedback: prompts


@pytest.mark.usefixtures("inbound_flow")
def test_the_rep_whose_accept_lost_the_race_is_told_who_accepted_first(
        job_app, app_ctx, live_server, site, reps, make_rule, boards, tmp_path):
    make_rule(reps, name="Pricing visitors", distribution="first_available")
    ann_page, bob_page = boards(*reps)
    vid = visitor_asks_to_chat(live_server, site.site_key, "Vera Visitor")
    for page in (ann_page, bob_page):
        page.wait_for_selector(f"{prompt(vid)} [data-accept]", timeout=WAIT_MS)
    # Both click Accept at once (neither waits for the other's answer): one wins.
    click = f"() => document.querySelector('{prompt(vid)} [data-accept]')?.click()"
    ann_page.evaluate(click)
    bob_page.evaluate(click)
    chat = eventually(lambda: conversations.open_conversation(vid))
    winner = next(rep for rep in reps if rep.id == chat.rep_id)
    won, lost = (ann_page, bob_page) if winner is reps[0] else (bob_page, ann_page)
    won.wait_for_url(f"{live_server}/board/visitors/{vid}", timeout=WAIT_MS)

    note = f"{prompt(vid)}[data-offer-taken]"
    lost.wait_for_selector(f"{note}:has-text('{winner.name} accepted first.')", timeout=WAIT_MS)
    assert "Vera Visitor" in lost.inner_text(note)
    assert lost.locator(f"{prompt(vid)} [data-accept], time[data-until]").count() == 0
    # Said politely to screen readers too (the prompts' status line).
    lost.wait_for_function(f"() => document.querySelector('[data-offers-status]')"
                           f".textContent.includes('{winner.name}')", timeout=WAIT_MS)
    assert lost.get_attribute("[data-offers-status]", "aria-live") == "polite"
    assert lost.evaluate("window.notReloaded") is True
    assert axe_problems(lost, "the accepted-first note") == []
    screenshots(lost, tmp_path, "accepted-first")
    lost.click(f"{note} [data-dismiss]")
    assert lost.locator(prompt(vid)).count() == 0


@pytest.mark.usefixtures("inbound_flow")
def test_going_away_takes_the_live_offer_and_its_countdown_off_the_board(
        job_app, app_ctx, live_server, site, reps, make_rule, boards, tmp_path):
    ann, bob = reps
    make_rule(reps, distribution="round_robin", offer_timeout_seconds=60)
    ann_page, bob_page = boards(ann, bob)
    vid = visitor_asks_to_chat(live_server, site.site_key, "Rob Robin")
    ann_page.wait_for_selector(f"{prompt(vid)} time[data-until]:has-text('left to accept')",
                               timeout=WAIT_MS)
    ann_page.select_option("select[name=availability]", "away")
    ann_page.wait_for_selector(prompt(vid), state="detached", timeout=WAIT_MS)
    assert ann_page.locator("time[data-until]").count() == 0  # no countdown left running
    assert ann_page.evaluate("window.notReloaded") is True
    work()  # routing moves on: Bob's turn
    bob_page.wait_for_selector(f"{prompt(vid)} time[data-until]", timeout=WAIT_MS)
    assert assignments.get(vid).offered_to == [bob.id]
    ann_page.wait_for_timeout(300)
    assert ann_page.locator(prompt(vid)).count() == 0  # and it does not come back
    screenshots(ann_page, tmp_path, "away-no-offer")


# ---------------------------------------------------------------- 7. feedback: the widget


def test_a_pounce_closes_the_bots_pending_question_in_the_widget(demo, visitor_page, rep,
                                                                 tmp_path):
    page = visitor_page
    page.goto(f"{demo}/demo-site/pricing")
    page.wait_for_function(LIVE)
    vid = _visitor_id(page)
    page.click(".lvw-launcher")
    page.wait_for_selector(".lvw-bot >> text=Comparing plans? I can answer pricing questions.")
    question = ".lvw-bot >> text=What would help most?"
    page.wait_for_selector(question)
    assert page.locator(".lvw-choice").count() > 0

    conversation = conversations.claim(vid, rep, "pounce")  # the rep pounces before an answer
    conversations.post(conversation, "rep", "Hi, I'm Rita. Comparing plans?", rep=rep)
    page.wait_for_selector(".lvw-note >> text=Rita Rep joined", timeout=WAIT_MS)
    page.wait_for_selector(".lvw-rep >> text=Hi, I'm Rita. Comparing plans?")
    assert page.locator(question).count() == 0  # no orphaned, unanswerable question
    assert page.locator(".lvw-choice, .lvw-question").count() == 0
    assert page.locator(".lvw-send").is_visible()
    assert axe_problems(page, "the widget after a pounce") == []
    screenshots(page, tmp_path, "widget-after-pounce")

    page.reload()  # the same after a reload, from the server's state
    page.wait_for_function(LIVE)
    if page.locator(".lvw-panel").is_hidden():
        page.click(".lvw-launcher")
    page.wait_for_selector(".lvw-rep >> text=Hi, I'm Rita. Comparing plans?")
    assert page.locator(question).count() == 0
    assert page.locator(".lvw-choice, .lvw-question").count() == 0


def meetings() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Meeting.id)))


def test_a_meeting_slot_is_picked_then_confirmed_by_keyboard(demo, visitor_page, rep,
                                                            tmp_path):
    RoutingRuleFactory(name="Inbound", route_to_all=False, route_to_users=[rep])
    page = visitor_page
    page.set_viewport_size(PHONE)
    vid = asks_for_a_rep(page, demo)
    for outcome in ("offer", "meeting_booker"):  # nobody answered
        assignments.save(vid, assignments.Assignment(
            rule_name="Inbound", mode="round_robin", outcome=outcome, trigger="inbound"))
    slots = page.locator(".lvw-slot")
    slots.first.wait_for(timeout=WAIT_MS)
    assert slots.count() >= 2

    slots.first.focus()
    page.keyboard.press("Enter")  # picks; books nothing yet
    confirm = page.locator(".lvw-confirm")
    confirm.wait_for()
    assert slots.first.get_attribute("aria-pressed") == "true"
    assert "with Rita Rep?" in confirm.inner_text()
    assert page.evaluate("document.activeElement.textContent") == "Confirm booking"
    page.wait_for_timeout(300)
    assert meetings() == 0
    assert axe_problems(page, "the booking confirmation") == []
    screenshots(page, tmp_path, "booker-confirm")

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Pick another time"
    page.keyboard.press("Enter")  # back to the slots, focus on the one picked
    assert confirm.is_hidden()
    assert page.evaluate("document.activeElement.getAttribute('aria-pressed')") == "false"
    assert meetings() == 0

    chosen = slots.nth(1)
    chosen.focus()
    page.keyboard.press("Space")
    assert chosen.get_attribute("aria-pressed") == "true"
    assert slots.first.get_attribute("aria-pressed") == "false"
    page.keyboard.press("Enter")  # on Confirm booking
    page.wait_for_selector(".lvw-done >> text=with Rita Rep")
    assert eventually(lambda: meetings() == 1)
    page.wait_for_timeout(300)
    assert meetings() == 1  # booked once
    screenshots(page, tmp_path, "booker-booked")


# ---------------------------------------------------------------- 10. finding a visitor


def named(tracked, name: str, stream: str) -> str:
    """A visitor called `name` on a stream's page."""
    return tracked(url=f"{ORIGIN}/{stream}", title=stream.title(), traits={"name": name})


def known(api, tracked, name: str, stream: str, company: str, rep) -> str:
    """A visitor from `company` (as enrichment would say) routed to `rep`."""
    vid = named(tracked, name, stream)
    db.session.get(Visitor, vid).company_name = company
    db.session.commit()
    Visitors(api).route(vid, rep)  # a change: the card shows the company from now on
    return vid


def shown(page) -> list[str]:
    """The names on the cards the board shows."""
    return sorted(page.locator(".visitor-card:visible .vc-name").all_inner_texts())


def said(page) -> str:
    return page.inner_text("[data-board-filter-count]").strip()


@pytest.mark.usefixtures("streams_end_with_the_test")
def test_the_board_filter_finds_visitors_by_name_company_stream_or_rep_live_too(
        page, live_server, app_ctx, api, admin, make_user, five_streams, tracked, console,
        tmp_path):
    alice = make_user(role="rep", email="alice@example.com", name="Alice Rep")
    bob = make_user(role="rep", email="bob@example.com", name="Bob Rep")
    known(api, tracked, "Vera Visitor", "pricing", "Acme Corp", alice)
    known(api, tracked, "Otto Other", "docs", "Globex", bob)
    named(tracked, "Pia Page", "blog")
    pricing, docs, blog = (f"stream-{five_streams[n].id}" for n in ("pricing", "docs", "blog"))
    page.set_viewport_size(DESKTOP)
    open_board(page, live_server, admin)
    assert shown(page) == ["Otto Other", "Pia Page", "Vera Visitor"]
    assert said(page) == ""

    search = page.get_by_label("Find a visitor")  # a labelled input
    search.fill("acme")
    assert shown(page) == ["Vera Visitor"]
    assert said(page) == "Showing 1 of 3 visitors."
    assert page.get_attribute("[data-board-filter-count]", "aria-live") == "polite"
    assert counts(page)[pricing] == "1 of 1" and counts(page)[docs] == "0 of 1"
    for query, names in (("Docs", ["Otto Other"]), ("bob", ["Otto Other"]),
                         ("alice rep", ["Vera Visitor"]), ("pia", ["Pia Page"]),
                         ("vera globex", [])):
        search.fill(query)
        assert shown(page) == names, query
    assert said(page) == "No visitor matches."

    # Live: cards that arrive after the filter was typed are filtered as they land.
    search.fill("acme")
    ada = named(tracked, "Ada Acme", "pricing")
    zed = named(tracked, "Zed Zero", "docs")
    page.wait_for_selector(f'[id="visitor-{zed}"]', state="attached", timeout=WAIT_MS)
    page.wait_for_selector(f'[id="visitor-{ada}"]', timeout=WAIT_MS)
    assert page.locator(f'[id="visitor-{zed}"]').is_hidden()
    page.wait_for_function("() => document.querySelector('[data-board-filter-count]')"
                           ".textContent === 'Showing 2 of 5 visitors.'", timeout=WAIT_MS)
    assert counts(page)[pricing] == "2 of 2" and counts(page)[docs] == "0 of 2"
    # A card swapped live (its visitor moves to Blog) is matched again where it lands.
    tracked(ada, url=f"{ORIGIN}/blog", title="Blog")
    page.wait_for_selector(f'#{blog}-cards [id="visitor-{ada}"]', timeout=WAIT_MS)
    page.wait_for_function(f"() => document.querySelector('#{blog} [data-column-count]')"
                           ".textContent === '1 of 2'", timeout=WAIT_MS)
    assert shown(page) == ["Ada Acme", "Vera Visitor"]
    # The columns re-fetched whole (a reconnect): the filter stays, and still applies.
    with page.expect_response(lambda r: "/board/body" in r.url):
        page.evaluate("htmx.trigger(document.getElementById('board-body'), "
                      "'board:reconnected')")
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-settling')")
    assert search.input_value() == "acme"
    assert shown(page) == ["Ada Acme", "Vera Visitor"]
    assert counts(page)[docs] == "0 of 2"
    assert axe_problems(page, "the filtered board") == []
    screenshots(page, tmp_path, "board-filter")
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.reload()  # kept for the tab (back from a visitor's page)
    page.wait_for_selector("[data-sse-open]", state="attached")
    assert search.input_value() == "acme" and shown(page) == ["Ada Acme", "Vera Visitor"]
    search.focus()
    page.keyboard.press("Escape")  # clears it: every card, plain counts, nothing said
    assert search.input_value() == "" and len(shown(page)) == 5
    assert counts(page)[docs] == "2" and said(page) == ""
    assert console == []
