"""Salesforce OAuth at the token endpoint: password, client-credentials, refresh-token and
JWT bearer grants. Done here rather than by simple-salesforce because its login helpers
hard-code ``https://<domain>.salesforce.com`` and set no timeout."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import requests

from liveapp.integrations.crm_types import CrmUnavailable

SERVICE = "salesforce"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


@dataclass
class Credentials:
    """What a token request can be made of; ``grant()`` says which grant they allow."""

    client_id: str | None = None
    client_secret: str | None = None
    username: str | None = None
    password: str | None = None  # with the security token appended, when there is one
    refresh_token: str | None = None
    private_key: str | None = None  # PEM, for the JWT bearer grant
    audience: str | None = None  # JWT "aud"; default: the login URL

    def grant(self) -> str | None:
        if not self.client_id:
            return None
        if self.refresh_token:
            return "refresh_token"
        if self.username and self.private_key:
            return JWT_GRANT
        if self.username and self.password:
            return "password"
        return "client_credentials" if self.client_secret else None

    def form(self, login_url: str) -> dict[str, str]:
        """The token request body (a JWT assertion is signed afresh each time)."""
        grant = self.grant()
        secret = {"client_secret": self.client_secret} if self.client_secret else {}
        base = {"grant_type": grant or "", "client_id": self.client_id or "", **secret}
        if grant == "refresh_token":
            return {**base, "refresh_token": self.refresh_token or ""}
        if grant == "password":
            return {**base, "username": self.username or "", "password": self.password or ""}
        if grant == JWT_GRANT:
            claims = {"iss": self.client_id, "sub": self.username,
                      "aud": self.audience or login_url, "exp": int(time.time()) + 180}
            assertion = jwt.encode(claims, self.private_key, algorithm="RS256")
            return {"grant_type": JWT_GRANT, "assertion": assertion}
        return base


def read_private_key(value: str | None, path: str | None) -> str | None:
    return value or (Path(path).read_text() if path else None)


def login(session: requests.Session, login_url: str, credentials: Credentials,
          timeout: float) -> tuple[str, str]:
    """(access token, instance URL); rotates ``credentials.refresh_token`` when told to."""
    try:
        response = session.post(f"{login_url}/services/oauth2/token",
                                data=credentials.form(login_url), timeout=timeout)
    except requests.Timeout as error:
        raise CrmUnavailable(SERVICE, "timeout", "token endpoint timed out") from error
    except requests.RequestException as error:
        raise CrmUnavailable(SERVICE, "down", f"token endpoint: {error}") from error
    body = _json_or_none(response)
    if response.status_code in (400, 401, 403):
        detail = (body or {}).get("error_description") or (body or {}).get("error") or ""
        raise CrmUnavailable(SERVICE, "auth", f"login refused: {detail}".strip())
    if response.status_code != 200 or not isinstance(body, dict):
        reason = "down" if response.status_code >= 500 else "bad_answer"
        raise CrmUnavailable(SERVICE, reason, f"token endpoint answered {response.status_code}")
    token, instance = body.get("access_token"), body.get("instance_url")
    if not (isinstance(token, str) and isinstance(instance, str)):
        raise CrmUnavailable(SERVICE, "bad_answer", "token answer incomplete")
    if isinstance(body.get("refresh_token"), str) and credentials.refresh_token:
        credentials.refresh_token = body["refresh_token"]
    return token, instance.rstrip("/")


def _json_or_none(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
