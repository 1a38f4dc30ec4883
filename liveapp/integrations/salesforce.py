"""Salesforce owner look-ups through simple-salesforce (REST, SOQL quoted with format_soql).

Auth: a session id (access token) with its instance URL, and/or credentials for the OAuth
token endpoint at ``login_url`` (password, client-credentials, refresh-token or JWT bearer
grant; see salesforce_auth). The API calls go through simple-salesforce in "direct" mode.
An expired session (401 INVALID_SESSION_ID) re-authenticates once when credentials allow,
then raises CrmUnavailable("auth").
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import requests
from simple_salesforce import Salesforce, format_soql
from simple_salesforce.exceptions import (
    SalesforceError,
    SalesforceExpiredSession,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)

from liveapp.integrations import account_match
from liveapp.integrations.crm_types import (
    AccountTeamMember,
    CrmUnavailable,
    SalesforceAccount,
    SalesforceMatch,
    SalesforceUser,
)
from liveapp.integrations.salesforce_auth import Credentials, login, read_private_key
from liveapp.integrations.tls import requests_session

SERVICE = "salesforce"
API_VERSION = "59.0"
DEFAULT_LOGIN_URL = "https://login.salesforce.com"
MAX_CANDIDATES = 200
T = TypeVar("T")

CONTACT_FIELDS = (
    "Id, Email, OwnerId, Owner.Email, Owner.IsActive, AccountId, Account.Name, "
    "Account.Website, Account.OwnerId, Account.Owner.Email, Account.Owner.IsActive, "
    "LastModifiedDate"
)
LEAD_FIELDS = (
    "Id, Email, Company, OwnerId, Owner.Email, Owner.IsActive, IsConverted, "
    "ConvertedContactId, ConvertedAccountId, LastModifiedDate"
)
ACCOUNT_FIELDS = (
    "Id, Name, Website, OwnerId, Owner.Email, Owner.IsActive, LastModifiedDate"
)


class SalesforceClient:
    """Contact/Lead/Account/AccountTeamMember/User look-ups for routing."""

    def __init__(
        self,
        *,
        instance_url: str | None = None,
        session_id: str | None = None,
        login_url: str = DEFAULT_LOGIN_URL,
        username: str | None = None,
        password: str | None = None,
        security_token: str = "",
        client_id: str | None = None,
        client_secret: str | None = None,
        refresh_token: str | None = None,
        private_key: str | None = None,
        audience: str | None = None,
        version: str = API_VERSION,
        timeout: float = 10.0,
        session: requests.Session | None = None,
        on_session: Callable[[str, str], None] | None = None,
    ) -> None:
        self.instance_url = instance_url.rstrip("/") if instance_url else None
        self.session_id = session_id
        self.login_url = login_url.rstrip("/")
        self.version = version
        self.timeout = timeout
        self.session = session or requests.Session()
        self.credentials = Credentials(
            client_id=client_id, client_secret=client_secret, username=username,
            password=password + security_token if password else None,
            refresh_token=refresh_token, private_key=private_key, audience=audience)
        self.on_session = on_session
        if not (session_id and instance_url) and not self.credentials.grant():
            raise ValueError("Salesforce needs session_id + instance_url, or OAuth credentials")
        self._sf: Salesforce | None = None

    @classmethod
    def from_settings(
        cls, settings: Mapping[str, Any], session: requests.Session | None = None,
        on_session: Callable[[str, str], None] | None = None,
    ) -> SalesforceClient:
        """Build from a plain settings dict: the constructor's keys, plus ``ca_bundle`` and
        ``private_key_file`` (a path, instead of ``private_key``)."""
        keys = ("instance_url", "session_id", "login_url", "username", "password",
                "security_token", "client_id", "client_secret", "refresh_token", "audience",
                "version")
        kwargs = {k: settings[k] for k in keys if settings.get(k)}
        kwargs["private_key"] = read_private_key(settings.get("private_key"),
                                                 settings.get("private_key_file"))
        if settings.get("timeout"):
            kwargs["timeout"] = float(settings["timeout"])
        return cls(**kwargs, session=session or requests_session(settings.get("ca_bundle")),
                   on_session=on_session)

    # -- look-ups ---------------------------------------------------------------------

    def find_person(self, email: str, company: str | None = None) -> SalesforceMatch | None:
        """The Contact, else the Lead (a converted one followed to its Contact), with
        email; else only an Account fuzzy-matched by the email's domain or the company.
        A Contact or Lead without an Account gets the fuzzy-matched one."""
        contact = self._newest(self._query(format_soql(
            f"SELECT {CONTACT_FIELDS} FROM Contact WHERE Email = {{}} "
            "ORDER BY LastModifiedDate DESC LIMIT 20", email)))
        if contact and contact.get("AccountId"):
            return _contact_match(contact, converted=False)
        if contact:
            account = self.match_account(account_match.email_domain(email), company)
            return _with_account(_contact_match(contact, converted=False), account)
        lead = self._newest(self._query(format_soql(
            f"SELECT {LEAD_FIELDS} FROM Lead WHERE Email = {{}} "
            "ORDER BY LastModifiedDate DESC LIMIT 20", email)))
        if lead and lead.get("IsConverted") and lead.get("ConvertedContactId"):
            converted = self._contact_by_id(lead["ConvertedContactId"])
            if converted:
                return _contact_match(converted, converted=True)
        account = self.match_account(
            domain=account_match.email_domain(email),
            company=(lead or {}).get("Company") or company,
        )
        if lead:
            return _lead_match(lead, account)
        return _account_only(account) if account else None

    def match_account(
        self, domain: str | None = None, company: str | None = None
    ) -> SalesforceAccount | None:
        """The Account the documented fuzzy rule picks (see account_match)."""
        candidates: list[Mapping[str, Any]] = []
        wanted = account_match.normalise_domain(domain)
        if wanted:
            candidates += self._query(format_soql(
                f"SELECT {ACCOUNT_FIELDS} FROM Account WHERE Website LIKE '%{{:like}}%' "
                f"ORDER BY LastModifiedDate DESC LIMIT {MAX_CANDIDATES}", wanted))
        token = account_match.name_search_token(company)
        if token:
            candidates += self._query(format_soql(
                f"SELECT {ACCOUNT_FIELDS} FROM Account WHERE Name LIKE '%{{:like}}%' "
                f"ORDER BY LastModifiedDate DESC LIMIT {MAX_CANDIDATES}", token))
        picked = account_match.pick_account(candidates, wanted, company)
        return _account(picked[0], picked[1]) if picked else None

    def account_team(self, account_id: str) -> list[AccountTeamMember]:
        """The Account Team Members of an account (enterprise orgs only)."""
        rows = self._query(format_soql(
            "SELECT Id, UserId, TeamMemberRole, User.Email FROM AccountTeamMember "
            "WHERE AccountId = {} ORDER BY TeamMemberRole, UserId", account_id))
        return [
            AccountTeamMember(_req(r, "UserId"), _path(r, "User", "Email"), r.get("TeamMemberRole"))
            for r in rows
        ]

    def user(self, user_id: str) -> SalesforceUser | None:
        """A Salesforce User by Id (``sobjects/User/<Id>``), None when there is none."""
        def fetch(sf: Salesforce) -> Any:
            try:
                return sf.User.get(user_id, timeout=self.timeout)
            except SalesforceResourceNotFound:
                return None
        row = self._call(fetch)
        if row is None:
            return None
        _check(isinstance(row, Mapping) and row.get("Id"), "User without Id")
        return SalesforceUser(row["Id"], row.get("Email"), row.get("Name"),
                              bool(row.get("IsActive")))

    def test_connection(self) -> None:
        """One cheap query; raises CrmUnavailable naming what failed."""
        self._query("SELECT Id FROM User LIMIT 1")

    # -- plumbing ---------------------------------------------------------------------

    def _contact_by_id(self, contact_id: str) -> Mapping[str, Any] | None:
        return self._newest(self._query(format_soql(
            f"SELECT {CONTACT_FIELDS} FROM Contact WHERE Id = {{}} LIMIT 1", contact_id)))

    @staticmethod
    def _newest(rows: list[Mapping[str, Any]]) -> Mapping[str, Any] | None:
        return max(rows, key=lambda r: str(r.get("LastModifiedDate") or "")) if rows else None

    def _query(self, soql: str) -> list[Mapping[str, Any]]:
        """All records of a query, following nextRecordsUrl."""
        result = self._call(lambda sf: sf.query_all(soql, timeout=self.timeout))
        records = result.get("records") if isinstance(result, Mapping) else None
        _check(isinstance(records, list) and all(isinstance(r, Mapping) for r in records),
               "query answer without records")
        return records

    def _connect(self, fresh: bool = False) -> Salesforce:
        if self._sf is not None and not fresh:
            return self._sf
        if fresh or not (self.session_id and self.instance_url):
            self._login()
        self._sf = Salesforce(instance_url=self.instance_url, session_id=self.session_id,
                              session=self.session, version=self.version)
        return self._sf

    def _call(self, action: Callable[[Salesforce], T]) -> T:
        """Run one API action, re-authenticating once on an expired session."""
        try:
            try:
                return action(self._connect())
            except SalesforceExpiredSession:
                if not self.credentials.grant():
                    raise
                return action(self._connect(fresh=True))
        except CrmUnavailable:
            raise
        except Exception as error:  # every failure becomes one of the known reasons
            raise _unavailable(error) from error

    def _login(self) -> None:
        if not self.credentials.grant():
            raise CrmUnavailable(SERVICE, "auth", "session expired and no credentials to renew it")
        self.session_id, self.instance_url = login(self.session, self.login_url,
                                                   self.credentials, self.timeout)
        if self.on_session:
            self.on_session(self.session_id, self.instance_url)


def _unavailable(error: Exception) -> CrmUnavailable:
    """Map a requests / simple-salesforce / parsing failure to a reason."""
    if isinstance(error, requests.Timeout):
        return CrmUnavailable(SERVICE, "timeout", str(error))
    if isinstance(error, requests.ConnectionError):
        return CrmUnavailable(SERVICE, "down", str(error))
    if isinstance(error, SalesforceExpiredSession):
        return CrmUnavailable(SERVICE, "auth", "session expired (INVALID_SESSION_ID)")
    if isinstance(error, SalesforceRefusedRequest):
        limited = "REQUEST_LIMIT_EXCEEDED" in str(error.content)
        return CrmUnavailable(SERVICE, "rate_limited" if limited else "auth", str(error.content))
    if isinstance(error, SalesforceMalformedRequest):
        return CrmUnavailable(SERVICE, "bad_answer", f"malformed request: {error.content}")
    if isinstance(error, SalesforceError):
        reason = "down" if error.status >= 500 else "bad_answer"
        return CrmUnavailable(SERVICE, reason, f"HTTP {error.status}")
    return CrmUnavailable(SERVICE, "bad_answer", f"{type(error).__name__}: {error}")


def _check(condition: Any, detail: str) -> None:
    if not condition:
        raise CrmUnavailable(SERVICE, "bad_answer", detail)


def _path(row: Mapping[str, Any] | None, *names: str) -> Any:
    """``_path(r, "Account", "Owner", "Email")``: a relationship field, None when absent."""
    value: Any = row
    for name in names:
        if not isinstance(value, Mapping):
            return None
        value = value.get(name)
    return value


def _req(row: Mapping[str, Any], name: str) -> str:
    value = row.get(name)
    _check(isinstance(value, str) and value, f"record without {name}")
    return value


def _account(row: Mapping[str, Any], rule: str) -> SalesforceAccount:
    return SalesforceAccount(
        account_id=_req(row, "Id"), name=row.get("Name"), website=row.get("Website"),
        owner_id=row.get("OwnerId"), owner_email=_path(row, "Owner", "Email"),
        owner_active=_path(row, "Owner", "IsActive"), match_rule=rule,
    )


def _contact_match(row: Mapping[str, Any], converted: bool) -> SalesforceMatch:
    has_account = bool(row.get("AccountId"))
    return SalesforceMatch(
        record_type="Contact", record_id=_req(row, "Id"), owner_id=row.get("OwnerId"),
        owner_email=_path(row, "Owner", "Email"), owner_active=_path(row, "Owner", "IsActive"),
        account_id=row.get("AccountId"), account_name=_path(row, "Account", "Name"),
        account_owner_id=_path(row, "Account", "OwnerId"),
        account_owner_email=_path(row, "Account", "Owner", "Email"),
        converted_from_lead=converted, account_match_rule="record" if has_account else None,
    )


def _with_account(match: SalesforceMatch, account: SalesforceAccount | None) -> SalesforceMatch:
    if account is None:
        return match
    return dataclasses.replace(
        match, account_id=account.account_id, account_name=account.name,
        account_owner_id=account.owner_id, account_owner_email=account.owner_email,
        account_match_rule=account.match_rule)


def _lead_match(row: Mapping[str, Any], account: SalesforceAccount | None) -> SalesforceMatch:
    return SalesforceMatch(
        record_type="Lead", record_id=_req(row, "Id"), owner_id=row.get("OwnerId"),
        owner_email=_path(row, "Owner", "Email"), owner_active=_path(row, "Owner", "IsActive"),
        account_id=account.account_id if account else None,
        account_name=account.name if account else None,
        account_owner_id=account.owner_id if account else None,
        account_owner_email=account.owner_email if account else None,
        account_match_rule=account.match_rule if account else None,
    )


def _account_only(account: SalesforceAccount) -> SalesforceMatch:
    return SalesforceMatch(
        record_type=None, record_id=None, owner_id=None, owner_email=None, owner_active=None,
        account_id=account.account_id, account_name=account.name,
        account_owner_id=account.owner_id, account_owner_email=account.owner_email,
        account_match_rule=account.match_rule,
    )
