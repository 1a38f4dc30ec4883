"""What every failure must leave true afterwards, checked against the stack and its
database: only clear refusals, every accepted page view and message kept, routing
working as before."""

from __future__ import annotations

from tests.reliability.conftest import rows
from tests.reliability.load import Load
from tests.scenarios.people import eventually
from tests.scenarios.test_crm_routing import contacts_owned_by, routed_to


def chatting_visitor(admin, visitor):
    """A visitor the admin is chatting with (claimed from the board, as a pounce)."""
    person = visitor()
    person.page_view("pricing", "Pricing")
    eventually(lambda: admin.card(person) is not None, 15, "the visitor's card")
    claimed = admin.post(f"/conversations/claim/{person.id}", {"origin": "pounce"})
    assert claimed.status_code == 201, claimed.text
    return person


def only_clear_refusals(load: Load) -> None:
    """Every answer was an acceptance or a 503 saying the stack is unavailable."""
    for answers in (load.pages, load.messages):
        assert set(answers.statuses) <= {202, 201, 503}, answers.statuses
        assert all("navailable" in body for _, body in answers.refusals), \
            answers.refusals[:5]


def every_page_view_recorded(database, load: Load, within: float = 30) -> None:
    """Eventually every page view the events API accepted (202) is in page_views."""
    def missing():
        kept = set()
        for visitor_id in load.visitors:
            kept |= {(visitor_id, r.url) for r in rows(
                database, "SELECT url FROM page_views WHERE visitor_id = :v",
                v=load.internal[visitor_id])}
        return [(v, url) for v, urls in load.pages.accepted.items() for url in urls
                if (v, url) not in kept]

    eventually(lambda: not missing(), within, "every accepted page view recorded",
               show=lambda: missing()[:10])


def visitor_messages(database, visitor_id: str) -> list[str]:
    """The bodies of the visitor's messages stored in their conversations."""
    return [r.body for r in rows(
        database, "SELECT m.body FROM messages m JOIN conversations c "
        "ON c.id = m.conversation_id WHERE c.visitor_id = :v AND m.sender = 'visitor'",
        v=visitor_id)]


def still_routes(team, visitor) -> None:
    """The pipeline, the worker and the CRM look-ups work: a Contact of Dev's who
    identifies on the contact page is offered to Dev."""
    dev = team["dev"]
    newcomer = visitor()
    newcomer.page_view("contact", "Contact us")
    newcomer.identify(contacts_owned_by(dev.email)[0], form="contact")
    newcomer.start_heartbeats()
    routed_to(team["admin"], newcomer, dev, f"Salesforce Contact owner {dev.name}",
              within=30)
