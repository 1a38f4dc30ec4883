"""Scenario: the waiting queue on the real stack (web, pipeline, worker, the widget in
chromium). A group's only rep is away, so two visitors who ask to chat wait in the queue:
each sees their place, the first books a meeting instead and the second moves up live;
the rep comes back (their availability, a drain job in the worker) and the second is
offered to them, their widget saying a rep will be with them."""

from __future__ import annotations

import pytest

from tests.scenarios.people import eventually, stranger
from tests.scenarios.settings import form_errors

GROUP = "Scenario Queue Desk"
CAMPAIGN = {"utm_source": "scenario", "utm_medium": "cpc", "utm_campaign": "scn-queue"}



def availability(rep, value: str) -> None:
    response = rep.post("/auth/availability", {"availability": value})
    assert response.status_code in (200, 303), response.text


def place(person) -> str | None:
    waiting = person.chat()["queue"]
    return waiting["text"] if waiting else None


@pytest.mark.browser
def test_waiting_visitors_see_their_place_move_up_and_are_offered_when_the_rep_is_back(
        team, widget_visitor, visitor):
    admin, eli = team["admin"], team["eli"]
    saved = admin.save_group(GROUP, {"members": [admin.option("/settings/routing/new",
                                                               eli.name)]})
    assert saved.status_code == 303, form_errors(saved.text)
    rule = "Scenario: queue desk"
    saved = admin.new_rule(rule, [("utm_campaign", "equals", "scn-queue")],
                           route_to_groups=admin.option("/settings/routing/new", GROUP),
                           distribution="first_available", when_nobody="queue")
    assert saved.status_code == 303, form_errors(saved.text)
    availability(eli, "away")
    try:
        first = visitor()
        first.page_view("pricing", "Pricing", query=CAMPAIGN)
        first.start_heartbeats()
        first.asks_for_a_rep(stranger())
        eventually(lambda: place(first) == "You're next in line.", 15, "first in line",
                   show=lambda: first.chat()["status"])

        person = widget_visitor
        person.open("pricing", CAMPAIGN)
        person.choose("Talk to sales")
        person.answer(stranger())
        person.page.wait_for_selector(".lvw-place >> text=You're 2nd in line.")

        # The first would rather book: the second moves up, live, in their widget.
        booked = first.http.post("/t/v1/chat/booker", json={"token": first.token})
        assert booked.status_code == 202, booked.text
        assert first.widget_status() == "booker"
        person.page.wait_for_selector(".lvw-place >> text=You're next in line.")

        # Eli is back: the worker drains the queue and the second is offered to her.
        availability(eli, "available")
        eventually(lambda: eli.has_prompt(person), 15, "Eli's accept prompt")
        person.page.wait_for_selector(".lvw-note >> text=A rep will be with you in a moment…")
        assert not person.shows(".lvw-place")
        assert not eli.has_prompt(first)  # who booked instead left the queue for good
    finally:
        availability(eli, "available")
        admin.delete_rule(rule)
