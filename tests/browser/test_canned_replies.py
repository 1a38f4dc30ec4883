"""Canned replies in a real browser, a rep and a visitor each in their own context: the rep
types "/pri" in the chat box, the list filters, the arrows and Enter pick a reply filled in
for the visitor, Enter sends it, and the visitor's widget shows the filled text."""

from __future__ import annotations

import pytest

from liveapp.extensions import db
from liveapp.models import Visitor
from liveapp.services.chat import canned_replies, conversations
from tests.browser import test_conversations_e2e as e2e
from tests.browser.helpers import axe_problems, htmx_swap

demo, visitor_page = e2e.demo, e2e.visitor_page  # the demo site; the visitor's own context
LIVE = e2e.LIVE

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]
TEAM_BODY = "Hi {first_name}! Plans for {company} start at $49 a seat."
FILLED = "Hi Pat! Plans for Acme & Co start at $49 a seat."


def test_a_rep_picks_a_canned_reply_with_the_keyboard_and_the_visitor_gets_it_filled(
        demo, page, visitor_page, rep):
    canned_replies.save(None, owner=None, shortcut="pricing", body=TEAM_BODY)
    canned_replies.save(None, owner=rep, shortcut="privacy", body="We never sell data.")
    canned_replies.save(None, owner=rep, shortcut="demo", body="Want a demo, {first_name}?")
    visitor_page.goto(f"{demo}/demo-site/product")
    visitor_page.wait_for_function(LIVE)
    vid = e2e._visitor_id(visitor_page)
    visitor = db.session.get(Visitor, vid)
    visitor.name, visitor.company_name = "Pat Jones", "Acme & Co"
    db.session.commit()
    e2e.pounce(page, demo, rep, vid)
    cid = conversations.open_conversation(vid).id
    box = page.locator(".chat-form textarea")
    options = page.locator(f"#canned-{cid} [role=option]:visible")

    # "/" opens the list; Escape closes it and leaves the text as typed.
    box.focus()
    page.keyboard.type("/d")
    page.wait_for_selector(f"#canned-{cid} [role=listbox]")
    assert options.all_inner_texts()[0].startswith("/demo")
    page.keyboard.press("Escape")
    assert page.locator(f"#canned-{cid}").is_hidden() and box.input_value() == "/d"
    box.fill("")

    page.keyboard.type("/pri")
    page.wait_for_function(
        f"() => document.querySelectorAll('#canned-{cid} [role=option]:not([hidden])')"
        ".length === 2")
    shortcuts = options.evaluate_all("os => os.map(o => o.dataset.shortcut)")
    assert shortcuts == ["privacy", "pricing"]  # the rep's own first; /demo filtered out
    assert box.get_attribute("aria-controls") == f"canned-list-{cid}"
    assert box.get_attribute("aria-activedescendant") == options.nth(0).get_attribute("id")
    assert axe_problems(page, "canned replies open") == []
    page.keyboard.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == options.nth(1).get_attribute("id")
    assert options.nth(1).get_attribute("aria-selected") == "true"
    page.keyboard.press("Enter")  # inserts, does not send
    assert box.input_value() == FILLED
    assert page.locator(f"#canned-{cid}").is_hidden()
    assert box.get_attribute("aria-activedescendant") is None
    htmx_swap(page, "/messages", lambda: page.keyboard.press("Enter"))

    # The visitor's widget opens with the filled-in reply, as text.
    visitor_page.wait_for_selector(".lvw-panel:visible")
    visitor_page.wait_for_selector(".lvw-rep >> text=Hi Pat!")
    assert visitor_page.locator(".lvw-rep").last.text_content() == FILLED

    # The mouse works too: a click on an option inserts it after what is typed.
    box = page.locator(".chat-form textarea")  # the form was replaced after sending
    box.focus()
    page.keyboard.type("Also /de")
    page.locator(f"#canned-{cid} [data-shortcut=demo]").click()
    assert box.input_value() == "Also Want a demo, Pat?"
    assert box.evaluate("b => document.activeElement === b")
