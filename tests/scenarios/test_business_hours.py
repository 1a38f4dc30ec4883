"""Scenario: a group's business hours on the real stack (web, pipeline, worker, the
widget in chromium). The admin makes a group that is closed now (holidays today and
tomorrow in its zone): a visitor asking to chat is offered an offline message and the
meeting booker at once, not "a rep will be with you"; the card says the group is closed
and when it opens; the visitor leaves a message, which its rep reads in Conversations and
another rep does not. The admin lifts the holidays: the next visitor is routed normally."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.scenarios.people import eventually, routing_of, stranger
from tests.scenarios.settings import form_errors

GROUP, ZONE = "Scenario Night Desk", "Europe/Berlin"
CAMPAIGN = {"utm_source": "scenario", "utm_medium": "cpc", "utm_campaign": "scn-hours"}
ALL_DAY = {f"days-{d}": "00:00-24:00" for d in range(7)}



def closed_days() -> tuple[str, str]:
    """Holidays today and tomorrow in the group's zone, and the weekday it opens."""
    today = datetime.now(ZoneInfo(ZONE)).date()
    return f"{today}\n{today + timedelta(days=1)}", f"{today + timedelta(days=2):%a}"



@pytest.mark.browser
def test_a_closed_group_offers_an_offline_message_then_open_it_routes(
        team, widget_visitor, visitor):
    admin, dev, eli = team["admin"], team["dev"], team["eli"]
    dev_id = admin.option("/settings/routing/new", "Dev Desai")
    holidays, opens = closed_days()
    saved = admin.save_group(GROUP, {"members": [dev_id], "time_zone": ZONE,
                                     "limit_hours": "y", **ALL_DAY, "holidays": holidays})
    assert saved.status_code == 303, form_errors(saved.text)
    rule = "Scenario: night desk"
    saved = admin.new_rule(rule, [("utm_campaign", "equals", "scn-hours")],
                           route_to_groups=admin.option("/settings/routing/new", GROUP),
                           distribution="first_available", when_nobody="queue")
    assert saved.status_code == 303, form_errors(saved.text)

    # Closed: the widget offers a message and the booker straight away.
    person = widget_visitor
    person.open("pricing", CAMPAIGN)
    person.choose("Talk to sales")
    email = stranger()
    person.answer(email)
    person.page.wait_for_selector(".lvw-note >> text=Nobody can chat right now")
    person.page.wait_for_selector(".lvw-offline")
    person.page.wait_for_selector(".lvw-booker")
    assert not person.shows(".lvw-note >> text=A rep will be with you")
    closed = f"{GROUP} closed (opens {opens} 00:00 {ZONE})"
    routing = eventually(lambda: routing_of(admin.card(person)), 15, "routed")
    assert routing.rule == rule and closed in routing.explanation, routing
    assert routing.reason == f"{GROUP} closed", routing
    assert not dev.has_prompt(person)

    # The visitor leaves a message; Dev (the group's rep) reads it, Eli does not.
    assert person.page.input_value(".lvw-offline input[type=email]") == email
    person.page.fill(".lvw-offline textarea", "<b>Call me</b> tomorrow")
    person.page.click(".lvw-offline button")
    person.page.wait_for_selector(f".lvw-done >> text=We will reply to {email}")
    inbox = eventually(lambda: (lambda p: p if "Call me" in p else None)(
        dev.page("/conversations/")), 10, "the message in Dev's Conversations")
    assert "&lt;b&gt;Call me&lt;/b&gt; tomorrow" in inbox and email in inbox
    assert "Call me" not in eli.page("/conversations/")

    # The admin lifts the holidays: the group is open, the next visitor is routed to Dev.
    saved = admin.save_group(GROUP, {"holidays": ""})
    assert saved.status_code == 303, form_errors(saved.text)
    other = visitor()
    other.page_view("pricing", "Pricing", query=CAMPAIGN)
    other.start_heartbeats()
    other.asks_for_a_rep(stranger())
    eventually(lambda: dev.has_prompt(other), 15, "Dev's accept prompt")
    routing = eventually(lambda: routing_of(admin.card(other)), 15, "routed")
    assert "closed" not in routing.explanation and routing.line.endswith("Dev Desai"), routing
    assert other.widget_status() == "offering"
    admin.delete_rule(rule)
