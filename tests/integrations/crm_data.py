"""A small sandbox fixture whose every record exists for a test case."""

from __future__ import annotations

import copy

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def _key_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


JWT_PRIVATE_KEY, JWT_PUBLIC_KEY = _key_pair()  # the connected app's certificate, for JWT

ANN, BOB, CARA, DEV = "005A00000000001", "005A00000000002", "005A00000000003", "005A00000000004"
DOMAIN = "team.liveapp.test"


def _user(user_id: str, name: str, active: bool = True) -> dict:
    return {"Id": user_id, "Email": f"{name}@{DOMAIN}", "Name": name.title(),
            "IsActive": active, "LastModifiedDate": "2026-01-01T00:00:00.000+0000"}


def _account(n: int, name: str, website: str | None, owner: str, modified: str) -> dict:
    return {"Id": f"001A0000000{n:04d}", "Name": name, "Website": website, "OwnerId": owner,
            "LastModifiedDate": f"{modified}T00:00:00.000+0000"}


def _contact(n: int, email: str, owner: str, account: str | None, modified: str) -> dict:
    return {"Id": f"003A0000000{n:04d}", "Email": email, "FirstName": "Test",
            "LastName": f"Contact{n}", "OwnerId": owner, "AccountId": account,
            "LastModifiedDate": f"{modified}T00:00:00.000+0000"}


def _lead(n: int, email: str, owner: str, company: str, converted_to: str | None = None) -> dict:
    return {"Id": f"00QA0000000{n:04d}", "Email": email, "FirstName": "Test",
            "LastName": f"Lead{n}", "Company": company, "OwnerId": owner,
            "IsConverted": converted_to is not None, "ConvertedContactId": converted_to,
            "ConvertedAccountId": None, "LastModifiedDate": "2026-02-02T00:00:00.000+0000"}


ACCOUNTS = [
    _account(1, "Acme, Inc.", "https://www.acme.test/", ANN, "2026-03-01"),
    _account(2, "Acme Holdings", "acme-holdings.test", BOB, "2026-06-01"),
    _account(3, "Globex GmbH", "globex.example", BOB, "2026-01-01"),
    _account(4, "Globex", "http://globex.example/de", DEV, "2026-05-01"),
    _account(5, "Initech LLC", None, CARA, "2026-04-01"),
    _account(6, "Initech Ltd.", None, DEV, "2026-02-01"),
    _account(7, "Umbrella Corp", "umbrella.test", ANN, "2026-01-15"),
    _account(8, "O'Brien & Sons", "obrien.test", BOB, "2026-01-20"),
] + [_account(10 + i, f"Paged {i}", "https://paged.test", BOB, f"2026-0{i + 1}-01")
     for i in range(5)]  # the newest is "Paged 4" (2026-05-01), found across pages

CONTACTS = [
    _contact(1, "jane@acme.test", BOB, "001A00000000001", "2026-02-01"),
    _contact(2, "dup@acme.test", ANN, "001A00000000001", "2026-01-01"),
    _contact(3, "dup@acme.test", DEV, "001A00000000001", "2026-04-01"),
    _contact(4, "jane.doe@umbrella.test", DEV, "001A00000000007", "2026-01-01"),
    _contact(5, "o'hara@acme.test", ANN, "001A00000000001", "2026-01-01"),
    _contact(6, "orphan@nowhere.test", CARA, None, "2026-01-01"),
    _contact(7, "solo@umbrella.test", CARA, None, "2026-01-01"),
]

LEADS = [
    _lead(1, "lead@globex.example", CARA, "Globex GmbH"),
    _lead(2, "converted@personal.example", BOB, "Umbrella", converted_to="003A00000000004"),
    _lead(3, "freelancer@gmail.com", BOB, "Initech, Inc."),
    _lead(4, "nobody@nowhere.test", ANN, "Nothing Matches Ltd"),
]

TEAM = [
    {"Id": f"01MA0000000000{i}", "AccountId": "001A00000000001", "UserId": user,
     "TeamMemberRole": role}
    for i, (user, role) in enumerate([(ANN, "Account Manager"), (BOB, "Sales Engineer"),
                                      (DEV, "Executive Sponsor")])
]

OUTREACH_USERS = [{"id": i + 1, "email": f"{name}@{DOMAIN}", "firstName": name.title(),
                   "lastName": "User", "locked": False}
                  for i, name in enumerate(["ann", "bob", "cara", "dev", "eve", "fay", "gus"])]
PROSPECTS = [
    {"id": 10, "emails": ["pat@acme.test"], "owner_id": 2, "updatedAt": "2026-01-01T00:00:00Z"},
    {"id": 11, "emails": ["Pat@Acme.test"], "owner_id": 3, "updatedAt": "2026-04-01T00:00:00Z"},
    {"id": 12, "emails": ["pat@acme.test"], "owner_id": 1, "updatedAt": "2026-02-01T00:00:00Z"},
    {"id": 20, "emails": ["sam@globex.example"], "owner_id": 1,
     "updatedAt": "2026-01-01T00:00:00Z"},
    {"id": 30, "emails": ["robin@initech.test"], "owner_id": None,
     "updatedAt": "2026-01-01T00:00:00Z"},
]
MAILINGS = [
    {"id": 1, "prospect_id": 11, "user_id": 4, "mailboxAddress": f"dev@{DOMAIN}",
     "deliveredAt": "2026-03-01T00:00:00Z"},
    {"id": 2, "prospect_id": 11, "user_id": 1, "mailboxAddress": f"ann@{DOMAIN}",
     "deliveredAt": "2026-05-01T00:00:00Z"},
    {"id": 3, "prospect_id": 30, "user_id": None, "mailboxAddress": f"dev@{DOMAIN}",
     "deliveredAt": "2026-05-01T00:00:00Z"},
]

SALESLOFT_USERS = [{"id": 101 + i, "guid": f"g{i}", "name": name.title(),
                    "email": f"{name}@{DOMAIN}", "active": True}
                   for i, name in enumerate(["ann", "bob", "cara", "dev", "eve", "fay", "gus"])]
PEOPLE = [
    {"id": 501, "email_address": "lee@acme.test", "owner_id": 102,
     "updated_at": "2026-01-01T00:00:00Z"},
    {"id": 502, "email_address": "lee@acme.test", "owner_id": 104,
     "updated_at": "2026-03-01T00:00:00Z"},
    {"id": 503, "email_address": "LEE@acme.test", "owner_id": 101,
     "updated_at": "2026-02-01T00:00:00Z"},
    {"id": 504, "email_address": "kim@globex.example", "owner_id": None,
     "updated_at": "2026-01-01T00:00:00Z"},
]
SALESLOFT_EMAILS = [
    {"id": 9001, "person_id": 502, "user_id": 101, "updated_at": "2026-02-01T00:00:00Z"},
    {"id": 9002, "person_id": 502, "user_id": 103, "updated_at": "2026-04-01T00:00:00Z"},
]

FIXTURE = {
    "salesforce": {
        "credentials": {"username": "api@team.liveapp.test", "password": "pw",
                        "security_token": "TOK", "client_id": "sf-client",
                        "client_secret": "sf-secret", "access_tokens": ["sf-session-1"],
                        "refresh_tokens": ["sf-refresh-1"], "jwt_public_key": JWT_PUBLIC_KEY},
        "objects": {"User": [_user(ANN, "ann"), _user(BOB, "bob"), _user(CARA, "cara", False),
                             _user(DEV, "dev")],
                    "Account": ACCOUNTS, "Contact": CONTACTS, "Lead": LEADS,
                    "AccountTeamMember": TEAM},
    },
    "outreach": {"credentials": {"client_id": "or-client", "client_secret": "or-secret",
                                 "access_tokens": ["or-token-1"],
                                 "refresh_tokens": ["or-refresh-1"]},
                 "users": OUTREACH_USERS, "prospects": PROSPECTS, "mailings": MAILINGS},
    "salesloft": {"credentials": {"client_id": "sl-client", "client_secret": "sl-secret",
                                  "access_tokens": ["sl-key-1"],
                                  "refresh_tokens": ["sl-refresh-1"]},
                  "users": SALESLOFT_USERS, "people": PEOPLE, "emails": SALESLOFT_EMAILS},
}


def fixture() -> dict:
    return copy.deepcopy(FIXTURE)
