"""The demo's example segments, experience and streams (SPEC 2.4's examples)."""

from __future__ import annotations

from sqlalchemy import select

from liveapp.extensions import db
from liveapp.models import Experience, Segment, Stream
from liveapp.services.membership import experiences, segments, streams


def _condition(field: str, operator: str, value=None) -> dict:
    return {"field": field, "operator": operator, "value": value}


SEGMENTS = {
    "Known Customers": ("Customers (and evangelists) in marketing automation, or Salesforce "
                        "accounts of type Customer", "any", [
        _condition("lifecycle_stage", "in_list", ["Customer", "Evangelist"]),
        _condition("account_type", "equals", "Customer"),
    ]),
    "Target Accounts": ("Companies on the ABM target list", "all",
                        [_condition("is_target_account", "equals", True)]),
    "Known Leads": ("Leads in Salesforce or qualified in marketing automation", "any", [
        _condition("is_lead", "equals", True),
        _condition("lifecycle_stage", "in_list", ["Lead", "MQL", "SQL"]),
    ]),
    "Buying Pages": ("Visitors who looked at pricing or asked for a demo", "any", [
        _condition("visited_urls", "contains", "/pricing"),
        _condition("visited_urls", "contains", "/contact"),
    ]),
}

PRICING_FLOW = [
    {"type": "bot_message", "text": "Comparing plans? I can answer pricing questions."},
    {"type": "route_pounce", "text": ""},
    # "Talk to sales" goes on to the email question and a rep; "Just browsing" ends the
    # flow: no more questions, nobody alerted (reps still see the choice on the card).
    {"type": "buttons", "text": "What would help most?",
     "buttons": [{"label": "Talk to sales", "target": "next"},
                 {"label": "Just browsing", "target": "end"}]},
    {"type": "question", "text": "Where can we reach you?", "question": "email"},
    {"type": "route_inbound", "text": "Connecting you with someone from our team."},
    {"type": "meeting_booker", "text": "Nobody is free right now: pick a time that suits you."},
]

# Left to right, the first that holds a visitor shows them (SPEC 2.4): people the team
# already knows go to the streams their owners work (customers, target accounts, leads);
# High Intent keeps the buyers nobody knows yet (anonymous, or a new email) on pricing or
# the demo request page. High Intent first would swallow every known visitor who reads
# pricing, and leave the other streams empty (issue 12, defect 10).
STREAMS = (
    ("Known Customers", "#1f9d55", ["Known Customers"], []),
    ("Target Accounts", "#7c3aed", ["Target Accounts"], []),
    ("Known Leads", "#2f5bea", ["Known Leads"], []),
    ("High Intent", "#c62f3a", ["Buying Pages"], ["Pricing Page"]),
)


def _by_name(model, name: str):
    return db.session.scalar(select(model).where(model.name == name))


def seed_streams() -> None:
    """Create the example segments, experience and streams if missing (idempotent)."""
    for name, (description, match, conditions) in SEGMENTS.items():
        if _by_name(Segment, name) is None:
            segments.save_segment(None, name=name, description=description,
                                  criteria={"match": match, "conditions": conditions})
    if _by_name(Experience, "Pricing Page") is None:
        experiences.save_experience(
            None, name="Pricing Page", active=True,
            targeting=[{"kind": "contains", "value": "/pricing", "exclude": False}],
            audience=[], flow=PRICING_FLOW,
        )
    for name, colour, segment_names, experience_names in STREAMS:
        if _by_name(Stream, name) is None:
            streams.save_stream(
                None, name=name, colour=colour,
                segments=[_by_name(Segment, n) for n in segment_names],
                experiences=[_by_name(Experience, n) for n in experience_names],
            )
