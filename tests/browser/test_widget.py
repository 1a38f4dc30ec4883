"""The visitor's chat widget in chromium on the demo site, against the real server: a rep
pounces and they chat both ways; the Pricing Page flow asks, identifies and routes, unless
the visitor is "Just browsing", which ends it."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from liveapp.demo.seeding import DEMO_SITE_NAME
from liveapp.demo.streams import seed_streams
from liveapp.extensions import db, redis
from liveapp.infra import realtime
from liveapp.models import Message, Visitor
from liveapp.services.chat import chat_flow, conversations
from liveapp.services.live import card_cache, cards
from liveapp.services.routing import assignments, router
from liveapp.services.settings import sites
from tests.browser.helpers import eventually
from tests.visitor_ids import VisitorId

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]

LIVE = "() => window.liveapp && window.liveapp.chat && window.liveapp.chat.live === true"



@pytest.fixture
def demo(app_ctx, live_server):
    sites.save_site(None, name=DEMO_SITE_NAME, allowed_origins=[live_server])
    seed_streams()
    return live_server


@pytest.fixture
def visitor_page(page):
    yield page
    page.context.close()  # let the tab's leave beacon land before the data is wiped
    time.sleep(0.5)


def _visitor_id(page) -> str:
    vid = VisitorId(next(c["value"] for c in page.context.cookies() if c["name"] == "lv_vid"))
    assert eventually(lambda: db.session.get(Visitor, vid)), "the visit was never recorded"
    return vid


def test_a_rep_pounces_and_the_visitor_chats_back(demo, visitor_page, rep):
    page = visitor_page
    page.goto(f"{demo}/demo-site/product")
    page.wait_for_function(LIVE)  # the widget listens on the visitor's channel
    vid = _visitor_id(page)
    assert page.locator(".lvw").is_hidden()  # no experience here, no chat yet: no launcher

    conversation = conversations.claim(vid, rep, "pounce")
    conversations.post(conversation, "rep", "Hi, I'm Rita. Need help with pricing?", rep=rep)
    page.wait_for_selector(".lvw-panel:visible")
    assert page.text_content(".lvw-title") == "Rita Rep"
    page.wait_for_selector(".lvw-rep >> text=Hi, I'm Rita. Need help with pricing?")
    assert page.is_visible(".lvw-note >> text=Rita Rep joined")
    assert page.get_attribute(".lvw-send textarea", "maxlength") == "2000"

    page.fill(".lvw-send textarea", "Yes please, <b>annual</b> plans?")
    page.click(".lvw-send button")
    page.wait_for_function("() => document.querySelectorAll('.lvw-visitor').length === 1")
    assert page.text_content(".lvw-visitor") == "Yes please, <b>annual</b> plans?"
    stored = eventually(lambda: db.session.scalar(
        select(Message).where(Message.conversation_id == conversation.id,
                              Message.sender == "visitor")))
    assert stored is not None and stored.body == "Yes please, <b>annual</b> plans?"

    attack = '<img src=x onerror="document.title=\'pwned\'">'
    conversations.post(conversation, "rep", attack, rep=rep)
    page.wait_for_function("() => document.querySelectorAll('.lvw-rep').length === 2")
    assert page.locator(".lvw-rep").last.text_content() == attack
    assert page.locator(".lvw img, .lvw b").count() == 0
    assert page.title() != "pwned"

    page.fill(".lvw-send textarea", "   ")
    page.click(".lvw-send button")  # nothing to send: no request, no message
    conversations.close(db.session.merge(conversation))
    page.wait_for_selector(".lvw-note >> text=Rita Rep closed the chat")
    assert page.locator(".lvw-send").is_hidden()
    assert [m.sender for m in eventually(lambda: db.session.scalars(
        select(Message).where(Message.conversation_id == conversation.id)).all())] == [
        "rep", "visitor", "rep"]


def test_the_pricing_flow_runs_in_the_widget(demo, visitor_page):
    page = visitor_page
    asked = []
    page.on("request", lambda r: asked.append(r.url) if r.url.endswith("/request") else None)
    page.goto(f"{demo}/demo-site/pricing")
    page.wait_for_function(LIVE)
    vid = _visitor_id(page)
    page.click(".lvw-launcher")
    page.wait_for_selector(".lvw-bot >> text=Comparing plans? I can answer pricing questions.")
    page.click(".lvw-choice >> text=Talk to sales")
    page.wait_for_selector(".lvw-visitor >> text=Talk to sales")
    page.wait_for_selector(".lvw-bot >> text=Where can we reach you?")
    assert asked == []  # not before the flow reaches Route for Inbound Chat

    page.fill(".lvw-question input", "not an email")
    page.evaluate("document.querySelector('.lvw-question input').type = 'text'")
    page.click(".lvw-question button")
    page.wait_for_selector(".lvw-error >> text=is not a valid email address")
    page.fill(".lvw-question input", "Pat@Acme.example")
    page.click(".lvw-question button")
    page.wait_for_selector(".lvw-visitor >> text=pat@acme.example")
    visitor = eventually(lambda: (v := db.session.get(Visitor, vid)) and v.email and v)
    assert (visitor.email, visitor.email_source) == ("pat@acme.example", "chat")

    # Route for Inbound Chat: the widget asked for a rep and says so while it is offered.
    page.wait_for_selector(".lvw-bot >> text=Connecting you with someone from our team.")
    page.wait_for_selector(".lvw-note >> text=A rep will be with you in a moment…")
    assert len(asked) == 1
    for outcome in ("offer", "meeting_booker"):
        assignments.save(vid, assignments.Assignment(
            rule_name="Inbound", mode="round_robin", outcome=outcome, trigger="inbound"))
    # Nobody answered: the meeting booker (its slots come from /t/v1/chat/slots).
    page.wait_for_selector(".lvw-booker")
    page.wait_for_selector(".lvw-bot >> text=Nobody is free right now: pick a time that suits you.")
    assert page.locator(".lvw-note >> text=A rep will be with you").count() == 0

    page.reload()  # the flow is restored from the server: answers and status
    page.wait_for_function(LIVE)
    if page.locator(".lvw-panel").is_hidden():
        page.click(".lvw-launcher")
    page.wait_for_selector(".lvw-visitor >> text=pat@acme.example")
    page.wait_for_selector(".lvw-booker")


def test_what_the_visitor_is_typing_survives_a_reload_of_the_widget(demo, visitor_page):
    """A reload of the widget's state (an experience nudge, a resync, the stream opening)
    re-renders the question being asked: the visitor's half-typed answer and the focus stay,
    and sending it still works."""
    page = visitor_page
    page.goto(f"{demo}/demo-site/pricing")
    page.wait_for_function(LIVE)
    vid = _visitor_id(page)
    page.click(".lvw-launcher")
    page.click(".lvw-choice >> text=Talk to sales")
    page.wait_for_selector(".lvw-bot >> text=Where can we reach you?")
    page.click(".lvw-question input")
    page.keyboard.type("pat@acme")
    channel = page.evaluate("window.liveapp.chat.channel")
    assert channel == f"visitor:{vid}"
    loads = []
    page.on("request", lambda r: loads.append(r.url) if "/t/v1/chat?" in r.url else None)
    page.evaluate("window.__typedInto = document.querySelector('.lvw-question input')")
    with page.expect_response(lambda r: "/t/v1/chat?" in r.url):
        realtime.send(channel, "experience", "{}")  # as membership nudges it
    page.wait_for_function("() => !document.querySelector('.lvw-question input')"
                           ".isSameNode(window.__typedInto)")  # a new field, re-rendered
    assert loads  # the widget did read its state again and re-rendered
    field = page.locator(".lvw-question input")
    assert field.input_value() == "pat@acme"
    assert page.evaluate("document.activeElement === document.querySelector("
                         "'.lvw-question input')")
    page.keyboard.type(".example")
    page.keyboard.press("Enter")
    page.wait_for_selector(".lvw-visitor >> text=pat@acme.example")


def test_the_flow_arrives_in_a_widget_that_loaded_before_the_processor(
        app, demo, visitor_page, drain, monkeypatch):
    """The visitor's first events wait in the stream (`liveapp pipeline` has not run yet):
    the widget loads an empty state, listens, and shows the flow once the processor
    records the visitor and their experience's nudge arrives on the visitor's channel."""
    monkeypatch.setattr(app.extensions["test_drain"], "enabled", False)
    page = visitor_page
    page.goto(f"{demo}/demo-site/pricing")
    page.wait_for_function(LIVE)
    vid = VisitorId(next(c["value"] for c in page.context.cookies() if c["name"] == "lv_vid"))
    assert db.session.get(Visitor, vid) is None  # not recorded yet
    assert page.locator(".lvw").is_hidden()
    assert drain() >= 1  # the processor, now
    page.click(".lvw-launcher")
    page.wait_for_selector(".lvw-bot >> text=Comparing plans? I can answer pricing questions.")


def test_just_browsing_ends_the_flow_in_the_widget(demo, visitor_page, rep):
    """The visitor clicks "Just browsing": no more questions, no request for a rep (the
    widget never calls /t/v1/chat/request), and the rep's card shows the choice."""
    page = visitor_page
    requests = []
    page.on("request", lambda r: requests.append(r.url) if "/t/v1/chat/" in r.url else None)
    page.goto(f"{demo}/demo-site/pricing")
    page.wait_for_function(LIVE)
    vid = _visitor_id(page)
    page.click(".lvw-launcher")
    page.click(".lvw-choice >> text=Just browsing")
    page.wait_for_selector(".lvw-visitor >> text=Just browsing")
    page.wait_for_selector(".lvw-choice", state="detached")
    page.wait_for_timeout(500)  # time for a request the widget should not send
    assert page.locator(".lvw-bot >> text=Where can we reach you?").count() == 0
    assert page.locator(".lvw-question, .lvw-note").count() == 0
    assert [u.split("/t/v1/chat")[1].split("?")[0] for u in requests] == ["/answer"]
    record = chat_flow.load(vid)
    assert record["answers"] == {"2": "Just browsing"} and not record.get("requested")
    assert redis.client.hget(router.state_key(vid), "trigger") != b"inbound"
    assert "chose “Just browsing”" in card_cache.render(cards.card_for(vid))

    page.reload()  # the ended flow is restored from the server as it was
    page.wait_for_function(LIVE)
    if page.locator(".lvw-panel").is_hidden():
        page.click(".lvw-launcher")
    page.wait_for_selector(".lvw-visitor >> text=Just browsing")
    assert page.locator(".lvw-choice, .lvw-question, .lvw-note").count() == 0
    assert not any(u.endswith("/request") for u in requests)


def test_data_chat_off_loads_no_widget(demo, visitor_page):
    page = visitor_page
    html = ('<!doctype html><title>Opt out</title><script src="/static/liveapp.js" '
            f'data-site-key="{_demo_key()}" data-chat="off"></script>')
    page.route(f"{demo}/opt-out", lambda route: route.fulfill(
        status=200, content_type="text/html", body=html))
    page.goto(f"{demo}/opt-out")
    page.wait_for_function("() => window.liveapp && window.liveapp.token !== null")
    page.wait_for_timeout(300)
    assert page.locator("script[src*=liveapp-widget]").count() == 0
    assert page.evaluate("window.liveapp.chat") is None


def _demo_key() -> str:
    from liveapp.demo.seeding import demo_site

    return demo_site().site_key
