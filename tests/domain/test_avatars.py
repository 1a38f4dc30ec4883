"""Generated avatars (initials on a colour of the user's own), the card's short routing
reason, and the bot transcript a rep reads before joining a chat (issue 15, points 4-5)."""

import pytest

from liveapp.domain import flows
from liveapp.domain.avatars import PALETTE, TEXT, Avatar, colour, contrast, initials
from liveapp.domain.routing.reasons import card_reason


@pytest.mark.parametrize("background", PALETTE)
def test_every_avatar_colour_takes_white_initials_at_aa_contrast(background):
    assert contrast(TEXT, background) >= 4.5


def test_contrast_is_the_wcag_ratio():
    assert contrast("#ffffff", "#000000") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize(("name", "expected"), [
    ("Ann Rep", "AR"), ("eli evans", "EE"), ("Jean-Luc de la Tour", "JT"), ("Cher", "CH"),
    ("x", "X"), ("", "?"), ("   ", "?"), ("(Eve) Ortiz", "EO"), ("Ö Ünal", "ÖÜ"), ("ann.rep", "AR"),
])
def test_initials(name, expected):
    assert initials(name) == expected


def test_a_users_colour_is_stable_and_neighbours_differ():
    assert colour(7) == colour(7) == Avatar(7, "Someone").colour
    assert len({colour(i) for i in range(1, len(PALETTE) + 1)}) == len(PALETTE)


@pytest.mark.parametrize(("reason", "outcome", "expected"), [
    ("from your Outreach sequence", "offer", "Outreach sequence"),
    ("from your Salesloft sequence", "offer", "Salesloft sequence"),
    ("your Salesforce lead", "offer", "Salesforce lead owner"),
    ("your Salesforce account", "offer", "Salesforce account owner"),
    ("your Salesforce account team", "offer", "Salesforce account team"),
    ("via Target accounts", "offer", "the rule's reps"),
    (None, "queue", "waiting for a free rep"),
    (None, "none", "no rep available"),
    (None, "no_rule", "no rule matched"),
    (None, "offer", None),
    ("your ", "offer", ""),
])
def test_the_cards_short_reason(reason, outcome, expected):
    assert card_reason(reason, outcome) == expected


FLOW = flows.parse_flow([
    {"type": "bot_message", "text": "Hi!"},
    {"type": "route_pounce", "text": ""},
    {"type": "buttons", "text": "What brings you?",
     "buttons": [{"label": "Pricing"}, {"label": "Just browsing", "target": "end"}]},
    {"type": "question", "question": "company_size"},
    {"type": "route_inbound", "text": "Connecting you"},
])


def test_the_transcript_follows_the_visitors_path_as_the_widget_showed_it():
    assert flows.transcript(FLOW, {}) == [("bot", "Hi!"), ("bot", "What brings you?")]
    assert flows.transcript(FLOW, {2: "Pricing", 3: "51-200"}) == [
        ("bot", "Hi!"), ("bot", "What brings you?"), ("visitor", "Pricing"),
        ("bot", "How big is your company?"), ("visitor", "51-200"), ("bot", "Connecting you")]
    assert flows.transcript(FLOW, {2: "Just browsing"})[-1] == ("visitor", "Just browsing")
