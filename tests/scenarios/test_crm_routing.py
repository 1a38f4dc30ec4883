"""Scenarios: CRM owners and senders decide who gets a visitor, with the demo's own data
and rules (Outbound prospects, Target accounts, Everyone else), the CRM sandbox answering
as Salesforce and Outreach would, and the whole demo team at their boards."""

from __future__ import annotations

from liveapp.demo.crm_sandbox.state import load_fixture
from tests.scenarios.people import Rep, Visitor, eventually, routing_of
from tests.scenarios.settings import form_errors

FIXTURE = load_fixture()  # what the sandbox answers from (the bundled demo fixture)
ROUTED = 15.0  # seconds routing may take, CRM look-ups included


def contacts_owned_by(email: str) -> list[str]:
    """Emails of the sandbox's Salesforce Contacts owned by the Salesforce user with that
    email (and of no Lead, so the visitor is plainly a Contact)."""
    objects = FIXTURE["salesforce"]["objects"]
    user_ids = {u["Id"] for u in objects["User"] if u["Email"] == email}
    leads = {lead["Email"] for lead in objects["Lead"]}
    return [c["Email"] for c in objects["Contact"]
            if c["OwnerId"] in user_ids and c["Email"] not in leads]


def prospects(sender: str, owner: str) -> list[str]:
    """Emails of Outreach prospects owned by `owner` whose last delivered email was sent
    by `sender` (both app users' emails)."""
    outreach = FIXTURE["outreach"]
    users = {u["id"]: u["email"] for u in outreach["users"]}
    last: dict[int, dict] = {}
    for mailing in sorted(outreach["mailings"], key=lambda m: m["deliveredAt"] or ""):
        if mailing["state"] == "delivered" and mailing["deliveredAt"]:
            last[mailing["prospect_id"]] = mailing
    emails = [e for p in outreach["prospects"] for e in p["emails"]]
    return [p["emails"][0] for p in outreach["prospects"]
            if users.get(p["owner_id"]) == owner and p["id"] in last
            and users.get(last[p["id"]]["user_id"]) == sender
            and emails.count(p["emails"][0]) == 1]


def routed_to(admin: Rep, visitor: Visitor, rep: Rep, reason: str,
              within: float = ROUTED) -> None:
    """Eventually: the card (as the admin sees it) says the visitor is offered to `rep`
    and why, `rep`'s board shows it, and no other rep may see it."""
    def offered():
        routing = routing_of(admin.card(visitor))
        return routing if routing and routing.line.endswith(f"offered to {rep.name}") \
            and reason in routing.explanation else None

    eventually(offered, within, f"offered to {rep.name} ({reason})",
               show=lambda: routing_of(admin.card(visitor)))
    # The board follows the routing live (its card arrives over the board's stream).
    eventually(lambda: rep.has_card(visitor), 5, f"the card on {rep.name}'s board")
    eventually(lambda: rep.events("card", mentioning=f'id="visitor-{visitor.id}"'), 5,
               f"the card live on {rep.name}'s board")


def only_sees(team: dict[str, Rep], visitor: Visitor, *names: str) -> None:
    for name, rep in team.items():
        if name != "admin":
            assert (rep.card(visitor) is not None) == (name in names), (name, names)


def test_each_demo_reps_salesforce_contact_routes_to_that_rep(team, visitor):
    """Four visitors identify at once on the contact form, each a Contact of one demo
    rep: each lands on that rep's board alone, and the explanation names the owner."""
    reps = [team[name] for name in ("ann", "bob", "cara", "dev")]
    visitors = {}
    for rep in reps:
        [email, *_] = contacts_owned_by(rep.email)
        visitors[rep.email] = person = visitor()
        person.page_view("contact", "Contact us")
        person.identify(email, form="contact")
    for rep in reps:
        person = visitors[rep.email]
        routed_to(team["admin"], person, rep, f"Salesforce Contact owner {rep.name}")
        routing = routing_of(team["admin"].card(person))
        assert routing.rule == "Target accounts"
        only_sees(team, person, rep.email.split("@")[0])


def test_an_outreach_click_through_is_offered_to_its_sender_then_its_owner(team, visitor):
    """An Outreach email's link lands a prospect on Pricing; they read it, ask for a rep
    in the widget, and only the rep who sent the email is alerted, and accepts. With the
    rule's Outreach step set to the prospect owner instead, the next one alerts the owner
    alone; the owner declines, and routing moves on without them."""
    admin, eli, cara = team["admin"], team["eli"], team["cara"]
    first, second = prospects(sender=eli.email, owner=cara.email)[:2]

    def click_through(email: str) -> Visitor:
        person = visitor()
        # The link as the Outbound prospects rule expects it: UTM tags and the prospect.
        person.page_view("pricing", "Pricing", query={
            "utm_source": "outreach", "utm_medium": "email", "lv_email": email,
            "lv_src": "outreach"})
        person.start_heartbeats()
        eventually(lambda: f"last email from {eli.email}" in admin.visitor_crm(person),
                   ROUTED, "the Outreach look-up on the visitor's page")
        person.answer_step("buttons", "Talk to sales")
        person.answer_step("question", email, question="email")
        assert person.request_chat().status_code == 202
        return person

    person = click_through(first)
    eventually(lambda: eli.has_prompt(person), ROUTED, "Eli's accept prompt")
    eventually(lambda: eli.events("offer", mentioning=f'id="offer-{person.id}"'), 5,
               "the prompt live on Eli's board")
    routing = routing_of(admin.card(person))
    assert routing.rule == "Outbound prospects"
    assert f"Outreach sender {eli.email}" in routing.explanation
    assert not any(rep.has_prompt(person) for name, rep in team.items() if name != "eli")
    assert person.widget_status() == "offering"
    assert eli.accept(person).status_code == 201
    eventually(lambda: person.widget_status() == "chatting", 5, "the widget chatting with Eli")
    assert person.chat()["conversation"]["rep"] == eli.name
    eventually(lambda: not eli.has_prompt(person), 5, "Eli's prompt gone once accepted")

    saved = admin.save_rule("Outbound prospects", {"outreach_mode": "owner"})
    assert saved.status_code == 303, form_errors(saved.text)
    try:
        person = click_through(second)
        eventually(lambda: cara.has_prompt(person), ROUTED, "Cara's accept prompt")
        routing = routing_of(admin.card(person))
        assert f"Outreach prospect owner {cara.email}" in routing.explanation
        assert "sender" not in routing.explanation
        assert not any(rep.has_prompt(person) for name, rep in team.items() if name != "cara")
        # The owner passes: the rule's next step gets the visitor, never Cara again.
        assert cara.decline(person).status_code == 200
        eventually(lambda: (r := routing_of(admin.card(person))) and cara.name not in r.line
                   and f"{cara.email} already declined" in r.explanation, ROUTED,
                   "routed on past Cara", show=lambda: routing_of(admin.card(person)))
        assert not cara.has_prompt(person)
        assert person.widget_status() in ("offering", "booker")
    finally:
        admin.save_rule("Outbound prospects", {"outreach_mode": "sender"})


# Dev's Contacts: Dev Desai is the owner the 15-character collision (defect 1) happens to
# pick, so these two fail on today's code for defect 2 alone.


def identified_goes_to_dev(team: dict[str, Rep], person: Visitor, page: str, contact: int,
                           within: float = ROUTED) -> None:
    """The visitor lands on `page`, submits the contact form at once with the email of
    one of Dev's Contacts and stays: in the end Dev alone has them, as their owner."""
    dev = team["dev"]
    person.page_view(page, page.title())
    person.identify(contacts_owned_by(dev.email)[contact], form="contact")
    person.start_heartbeats()
    routed_to(team["admin"], person, dev, f"Salesforce Contact owner {dev.name}", within)
    only_sees(team, person, "dev")


def test_an_identify_while_routing_is_in_flight_ends_with_the_owner(team, visitor):
    """Landing on Pricing starts pounce routing at once (its experience routes for
    pounce); the identify arrives while that routing is queued or running."""
    identified_goes_to_dev(team, visitor(), "pricing", contact=1)


def test_a_crm_answering_3_s_late_still_ends_with_the_owner(stack, team, visitor):
    """Salesforce answers each query 3 s late (the sandbox's "slow" fault) while the
    identified visitor is routed."""
    slow = stack.sandbox_control("POST", "/faults", json={
        "service": "salesforce", "path_prefix": "/services/data", "kind": "slow",
        "delay": 3, "count": None})
    assert slow.status_code == 201, slow.text
    try:
        identified_goes_to_dev(team, visitor(), "contact", contact=2, within=ROUTED + 10)
    finally:
        stack.sandbox_control("DELETE", "/faults")
