"""The demo fixture: the demo users as CRM owners, and a few hundred made-up companies with
their Salesforce Accounts, Contacts, Leads and team members, Outreach prospects and
mailings, and Salesloft people and emails. Deterministic; regenerate fixture.json with
``python -m liveapp.demo.crm_sandbox.fixture``."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from liveapp.demo.crm_sandbox.state import DEFAULT_FIXTURE
from liveapp.domain.salesforce_ids import canonical

DEMO_DOMAIN = "demo.liveapp.test"
# (email local part, name, Salesforce user id): the users of liveapp.demo.seeding. The ids
# are in the 18-character form Salesforce's API answers with; the demo seeds their 15.
DEMO_OWNERS = (
    ("admin", "Avery Admin", "0055g00000KzAvYAAV"),
    ("ann", "Ann Archer", "0055g00000Lm7QaAAJ"),
    ("bob", "Bob Baker", "0055g00000Bb3kRAAR"),
    ("cara", "Cara Chen", "0055g00000Cc9TwAAJ"),
    ("dev", "Dev Desai", "0055g00000Dx4VeAAJ"),
    ("eli", "Eli Evans", None),
)
# Owns some records but is no app user: routing must say so and fall through.
FORMER_OWNER = ("former", "Fran Former", "0055g00000Ff0ZzAAJ")
PREFIXES = ("Northwind", "Bluefin", "Copperleaf", "Brightwave", "Granite", "Silverline",
            "Redwood", "Lumen", "Harbor", "Quartz", "Juniper", "Cobalt", "Evergreen",
            "Falcon", "Meridian", "Orchid", "Pioneer", "Summit", "Tidal", "Vertex")
SUFFIXES = ("Analytics", "Logistics", "Robotics", "Foods", "Labs", "Systems", "Health",
            "Energy", "Media", "Capital")
LEGAL = ("Inc.", "LLC", "GmbH", "Ltd", "Corp.", "", "")
FIRST = ("Alex", "Blair", "Casey", "Dana", "Emery", "Finley", "Gray", "Harper", "Indy",
         "Jordan", "Kai", "Logan", "Morgan", "Noor", "Oakley", "Parker", "Quinn", "Riley")
LAST = ("Nguyen", "Smith", "Garcia", "Okafor", "Rossi", "Novak", "Kim", "Silva", "Haddad",
        "Jensen", "Kowalski", "Moreau", "Tanaka", "Walsh")
TEAM_ROLES = ("Account Manager", "Sales Engineer", "Executive Sponsor")
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def _sf_id(prefix: str, n: int) -> str:
    """Record ``n`` of the object with this key prefix, as an 18-character id."""
    return canonical(f"{prefix}5g00{n:08d}")


def _stamp(rng: random.Random) -> str:
    moment = EPOCH + timedelta(minutes=rng.randrange(0, 60 * 24 * 300))
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def companies(count: int = 150) -> list[dict[str, str]]:
    """The made-up companies: name, legal name and domain (``.test`` or ``.example``)."""
    out = []
    for i in range(count):
        base = f"{PREFIXES[i % len(PREFIXES)]} {SUFFIXES[(i // len(PREFIXES)) % len(SUFFIXES)]}"
        tld = "test" if i % 3 else "example"
        legal = LEGAL[i % len(LEGAL)]
        out.append({"name": base, "legal_name": f"{base} {legal}".strip(),
                    "domain": f"{base.lower().replace(' ', '')}.{tld}"})
    return out


def build(seed: int = 20261123) -> dict[str, Any]:
    """The whole demo fixture (deterministic for a seed)."""
    rng = random.Random(seed)
    reps = [o for o in DEMO_OWNERS if o[2] and o[0] != "admin"]
    users = [{"Id": sid, "Email": f"{local}@{DEMO_DOMAIN}", "Name": name, "IsActive": True,
              "LastModifiedDate": _stamp(rng)} for local, name, sid in DEMO_OWNERS if sid]
    users.append({"Id": FORMER_OWNER[2], "Email": f"{FORMER_OWNER[0]}@{DEMO_DOMAIN}",
                  "Name": FORMER_OWNER[1], "IsActive": False, "LastModifiedDate": _stamp(rng)})
    accounts, contacts, leads, team = [], [], [], []
    people: list[dict[str, Any]] = []
    for i, company in enumerate(companies()):
        owner = rng.choice(reps)[2] if i % 17 else FORMER_OWNER[2]
        website = rng.choice(("https://www.{d}", "http://{d}/", "{d}", "https://{d}/about"))
        account = {"Id": _sf_id("001", i + 1), "Name": company["legal_name"],
                   "Website": website.format(d=company["domain"]), "OwnerId": owner,
                   "LastModifiedDate": _stamp(rng)}
        accounts.append(account)
        for j in range(rng.choice((0, 1, 2, 2, 3))):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            email = f"{first}.{last}{j}@{company['domain']}".lower()
            contact_owner = owner if rng.random() < 0.7 else rng.choice(reps)[2]
            contacts.append({"Id": _sf_id("003", len(contacts) + 1), "Email": email,
                             "FirstName": first, "LastName": last, "OwnerId": contact_owner,
                             "AccountId": account["Id"], "LastModifiedDate": _stamp(rng)})
            people.append({"email": email, "first": first, "last": last})
        if rng.random() < 0.8:
            first, last = rng.choice(FIRST), rng.choice(LAST)
            email = f"{first[0]}{last}@{company['domain']}".lower()
            converted = bool(contacts) and contacts[-1]["AccountId"] == account["Id"] and (
                rng.random() < 0.3)
            leads.append({"Id": _sf_id("00Q", len(leads) + 1), "Email": email,
                          "FirstName": first, "LastName": last,
                          "Company": company["legal_name"], "OwnerId": rng.choice(reps)[2],
                          "IsConverted": converted,
                          "ConvertedContactId": contacts[-1]["Id"] if converted else None,
                          "ConvertedAccountId": account["Id"] if converted else None,
                          "LastModifiedDate": _stamp(rng)})
            people.append({"email": email, "first": first, "last": last})
        if i % 4 == 0:
            for role in rng.sample(TEAM_ROLES, 2):
                team.append({"Id": _sf_id("01M", len(team) + 1), "AccountId": account["Id"],
                             "UserId": rng.choice(reps)[2], "TeamMemberRole": role})
    return {
        "salesforce": {
            "credentials": {"username": f"integration@{DEMO_DOMAIN}",
                            "password": "sandbox-password", "security_token": "TOKEN",
                            "client_id": "sandbox-consumer-key",
                            "client_secret": "sandbox-consumer-secret",
                            "access_tokens": ["00Dsandbox!demo-session"],
                            "refresh_tokens": ["sf-demo-refresh"]},
            "objects": {"User": users, "Account": accounts, "Contact": contacts,
                        "Lead": leads, "AccountTeamMember": team},
        },
        "outreach": _outreach(rng, people),
        "salesloft": _salesloft(rng, people),
    }


def _outreach(rng: random.Random, people: list[dict[str, Any]]) -> dict[str, Any]:
    users = [{"id": n + 1, "email": f"{local}@{DEMO_DOMAIN}", "firstName": name.split()[0],
              "lastName": name.split()[1], "locked": False}
             for n, (local, name, _sid) in enumerate(DEMO_OWNERS)]
    prospects, mailings = [], []
    for person in people[::2]:
        prospect_id = len(prospects) + 1
        prospects.append({"id": prospect_id, "emails": [person["email"]],
                          "firstName": person["first"], "lastName": person["last"],
                          "owner_id": rng.choice(users[1:])["id"], "updatedAt": _iso(rng)})
        for _ in range(rng.choice((0, 1, 2, 3))):
            sender = rng.choice(users[1:])
            mailings.append({"id": len(mailings) + 1, "prospect_id": prospect_id,
                             "user_id": sender["id"] if rng.random() < 0.8 else None,
                             "mailboxAddress": sender["email"], "deliveredAt": _iso(rng),
                             "subject": "Following up", "state": "delivered"})
    return {"credentials": {"client_id": "outreach-client", "client_secret": "outreach-secret",
                            "access_tokens": ["outreach-demo-token"],
                            "refresh_tokens": ["outreach-demo-refresh"]},
            "users": users, "prospects": prospects, "mailings": mailings}


def _salesloft(rng: random.Random, people: list[dict[str, Any]]) -> dict[str, Any]:
    users = [{"id": 101 + n, "guid": f"sl-user-{n}", "name": name,
              "email": f"{local}@{DEMO_DOMAIN}", "active": True}
             for n, (local, name, _sid) in enumerate(DEMO_OWNERS)]
    persons, emails = [], []
    for person in people[1::2]:
        person_id = 5001 + len(persons)
        persons.append({"id": person_id, "email_address": person["email"],
                        "first_name": person["first"], "last_name": person["last"],
                        "owner_id": rng.choice(users[1:])["id"], "updated_at": _iso(rng)})
        for _ in range(rng.choice((0, 1, 2))):
            emails.append({"id": 90001 + len(emails), "person_id": person_id,
                           "user_id": rng.choice(users[1:])["id"], "updated_at": _iso(rng),
                           "recipient_email_address": person["email"]})
    return {"credentials": {"client_id": "salesloft-client", "client_secret": "salesloft-secret",
                            "access_tokens": ["salesloft-demo-key"],
                            "refresh_tokens": ["salesloft-demo-refresh"]},
            "users": users, "people": persons, "emails": emails}


def _iso(rng: random.Random) -> str:
    moment = EPOCH + timedelta(minutes=rng.randrange(0, 60 * 24 * 300))
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def identities(fixture: dict[str, Any] | None = None) -> list[dict[str, str | None]]:
    """Emails and companies the simulator can identify visitors with, so look-ups resolve."""
    data = fixture or json.loads(Path(DEFAULT_FIXTURE).read_text())
    objects = data["salesforce"]["objects"]
    names = {a["Id"]: a["Name"] for a in objects["Account"]}
    out = [{"email": c["Email"], "company": names.get(c["AccountId"])}
           for c in objects["Contact"]]
    return out + [{"email": lead["Email"], "company": lead["Company"]}
                  for lead in objects["Lead"]]


if __name__ == "__main__":
    Path(DEFAULT_FIXTURE).write_text(json.dumps(build(), indent=1) + "\n")
    print(f"wrote {DEFAULT_FIXTURE}")
