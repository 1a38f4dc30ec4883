"""CRM integration settings: validated saves, secrets encrypted at rest and masked on the
way out, the clients built from them (cached per process by settings version), connection
tests and the user mapping.

Secrets are a Fernet token of a JSON object, keyed by a key derived from SECRET_KEY, so a
database dump alone does not leak CRM tokens. Changing SECRET_KEY makes them unreadable:
the integration then reports "credentials unreadable" and needs them entered again.
"""

from __future__ import annotations

import base64
import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import select

from liveapp.errors import ValidationFailed
from liveapp.extensions import db
from liveapp.integrations.crm_types import CrmUnavailable, CrmUser
from liveapp.integrations.outreach import OutreachClient
from liveapp.integrations.salesforce import SalesforceClient
from liveapp.integrations.salesloft import SalesloftClient
from liveapp.models import CRMS, Integration, User, utcnow

log = logging.getLogger(__name__)

LABELS = {"salesforce": "Salesforce", "outreach": "Outreach", "salesloft": "Salesloft"}
MAX_VALUE = 2000


@dataclass(frozen=True)
class SettingField:
    """One setting of a CRM, named as the client's ``from_settings`` key."""

    key: str
    label: str
    secret: bool = False
    url: bool = False
    hint: str = ""


CA_BUNDLE = SettingField("ca_bundle", "CA bundle (file path)",
                         hint="Only for an API behind a private CA, like the CRM sandbox.")
TIMEOUT = SettingField("timeout", "Timeout (seconds)",
                       hint="Per request, 1 to 60 (default 10). A slower CRM counts as "
                            "unavailable, and routing falls back.")
TIMEOUT_RANGE = (1.0, 60.0)
FIELDS: dict[str, tuple[SettingField, ...]] = {
    "salesforce": (
        SettingField("instance_url", "Instance URL", url=True,
                     hint="https://yourorg.my.salesforce.com"),
        SettingField("session_id", "Session id (access token)", secret=True,
                     hint="With the instance URL; or leave empty and use OAuth below."),
        SettingField("login_url", "Login URL", url=True,
                     hint="https://login.salesforce.com (or test.salesforce.com)"),
        SettingField("client_id", "Consumer key (client id)"),
        SettingField("client_secret", "Consumer secret", secret=True),
        SettingField("username", "Username"),
        SettingField("password", "Password", secret=True),
        SettingField("security_token", "Security token", secret=True),
        CA_BUNDLE,
        TIMEOUT,
    ),
    "outreach": (
        SettingField("base_url", "API base URL", url=True, hint="https://api.outreach.io"),
        SettingField("access_token", "Access token", secret=True),
        SettingField("refresh_token", "Refresh token", secret=True,
                     hint="With the client id and secret, renews an expired access token."),
        SettingField("client_id", "Client id"),
        SettingField("client_secret", "Client secret", secret=True),
        CA_BUNDLE,
        TIMEOUT,
    ),
    "salesloft": (
        SettingField("base_url", "API base URL", url=True, hint="https://api.salesloft.com"),
        SettingField("api_key", "API key", secret=True),
        SettingField("refresh_token", "Refresh token (OAuth apps)", secret=True),
        SettingField("client_id", "Client id"),
        SettingField("client_secret", "Client secret", secret=True),
        SettingField("token_url", "Token URL", url=True,
                     hint="https://accounts.salesloft.com/oauth/token"),
        CA_BUNDLE,
        TIMEOUT,
    ),
}


def secret_keys(name: str) -> frozenset[str]:
    return frozenset(f.key for f in FIELDS[name] if f.secret)


# ---------------------------------------------------------------- secrets at rest


def _fernet() -> Fernet:
    secret = current_app.config["SECRET_KEY"].encode()
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"liveapp",
               info=b"integration secrets").derive(secret)
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(values: Mapping[str, str]) -> str:
    return _fernet().encrypt(json.dumps(dict(values)).encode()).decode()


def decrypt(token: str | None) -> dict[str, str] | None:
    """The secrets, {} when none were saved, None when they cannot be read (key changed)."""
    if not token:
        return {}
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except (InvalidToken, ValueError):
        return None


def mask(value: str | None) -> str:
    """``••••1234``: enough to recognise a secret, never enough to use it."""
    if not value:
        return ""
    return "••••" + (value[-4:] if len(value) >= 12 else "")


# ---------------------------------------------------------------- rows


def get(name: str) -> Integration | None:
    return db.session.scalar(select(Integration).where(Integration.name == name))


def all_rows() -> dict[str, Integration | None]:
    rows = {row.name: row for row in db.session.scalars(select(Integration))}
    return {name: rows.get(name) for name in CRMS}


def enabled_rows() -> list[Integration]:
    return list(db.session.scalars(
        select(Integration).where(Integration.enabled.is_(True)).order_by(Integration.name)))


def from_environment(name: str) -> dict[str, str]:
    """The CRM's settings given in the environment (LIVEAPP_<CRM>_<SETTING>); they win."""
    given = current_app.config.get("CRM_SETTINGS", {}).get(name, {})
    return {f.key: given[f.key] for f in FIELDS[name] if given.get(f.key)}


def env_var(name: str, key: str) -> str:
    return f"LIVEAPP_{name.upper()}_{key.upper()}"


def full_settings(row: Integration) -> dict[str, Any] | None:
    """Plain settings and secrets merged (the environment's over them), for a client;
    None when secrets are unreadable."""
    secrets = decrypt(row.secrets_encrypted)
    if secrets is None:
        return None
    return {**(row.settings or {}), **secrets, **from_environment(row.name)}


def masked_secrets(row: Integration | None) -> dict[str, str]:
    """Each saved secret as ``mask()`` shows it (what the settings page may display)."""
    secrets = decrypt(row.secrets_encrypted) if row else {}
    return {key: mask(value) for key, value in (secrets or {}).items()}


# ---------------------------------------------------------------- saving


def _check_value(field: SettingField, value: str) -> str | None:
    if len(value) > MAX_VALUE:
        return f"At most {MAX_VALUE} characters."
    if field.url and value:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return "Enter a URL like https://example.com."
    if field.key == "ca_bundle" and value and not os.path.isfile(value):
        return "No such file on the server."
    if field.key == "timeout" and value:
        try:
            seconds = float(value)
        except ValueError:
            seconds = -1.0
        if not TIMEOUT_RANGE[0] <= seconds <= TIMEOUT_RANGE[1]:
            return "Enter a number of seconds from 1 to 60."
    return None


def _check_complete(name: str, values: Mapping[str, str]) -> dict[str, str]:
    """What an enabled integration cannot work without (credentials as the client needs)."""
    v = values.get
    if name == "salesforce":
        session = v("instance_url") and v("session_id")
        oauth = v("client_id") and (v("username") and v("password") or v("client_secret"))
        if not (session or oauth):
            return {"session_id": "Give a session id with the instance URL, or a consumer key "
                                  "with a username and password (or a consumer secret)."}
    elif name == "outreach":
        if not (v("access_token") or (v("refresh_token") and v("client_id")
                                      and v("client_secret"))):
            return {"access_token": "Give an access token, or a refresh token with the "
                                    "client id and secret."}
    elif not (v("api_key") or (v("refresh_token") and v("client_id") and v("client_secret"))):
        return {"api_key": "Give an API key."}
    return {}


def save(name: str, *, enabled: bool, values: Mapping[str, str | None]) -> Integration:
    """Validate and save a CRM's settings; an empty secret keeps the saved one.

    Raises ValidationFailed (field -> message) and writes nothing when a value is wrong.
    """
    if name not in CRMS:
        raise ValueError(f"unknown CRM {name!r}")
    row = get(name)
    old_secrets = decrypt(row.secrets_encrypted) if row else {}
    clean = {f.key: (values.get(f.key) or "").strip() for f in FIELDS[name]}
    errors = {f.key: e for f in FIELDS[name] if (e := _check_value(f, clean[f.key]))}
    secrets = {k: clean[k] or (old_secrets or {}).get(k, "") for k in secret_keys(name)}
    secrets = {k: value for k, value in secrets.items() if value}
    plain = {k: value for k, value in clean.items() if k not in secret_keys(name) and value}
    if enabled and not errors:
        errors = _check_complete(name, {**plain, **secrets, **from_environment(name)})
    if errors:
        raise ValidationFailed(errors)
    return _store(row or Integration(name=name), enabled, plain, secrets)


def _store(row: Integration, enabled: bool, plain: dict, secrets: dict) -> Integration:
    if row.id is None:
        db.session.add(row)
    else:
        row.version = (row.version or 0) + 1
    row.enabled = enabled
    row.settings = plain
    row.secrets_encrypted = encrypt(secrets) if secrets else None
    db.session.commit()
    return row


def save_all(settings: Mapping[str, Mapping[str, Any]]) -> list[Integration]:
    """Enable every CRM of a settings dict such as the sandbox writes (idempotent: rows
    already holding exactly these settings are left alone)."""
    saved = []
    for name in CRMS:
        wanted = {f.key: str(settings[name][f.key]) for f in FIELDS[name]
                  if settings.get(name, {}).get(f.key)}
        row = get(name)
        stored = {**row.settings, **(decrypt(row.secrets_encrypted) or {})} if row else None
        if row is not None and row.enabled and stored == wanted:
            continue
        saved.append(save(name, enabled=True, values=wanted))
    return saved


# ---------------------------------------------------------------- clients


Client = SalesforceClient | OutreachClient | SalesloftClient
_clients: dict[tuple[str, str], tuple[tuple, Client]] = {}


def _identity(row: Integration) -> tuple:
    """What a cached client must match: the version, and the very settings saved (each
    save encrypts afresh, so a recreated row never passes for an old one)."""
    return (row.version, row.secrets_encrypted, json.dumps(row.settings, sort_keys=True))


def build_client(name: str, settings: Mapping[str, Any]) -> Client:
    """A client for these settings (raises ValueError/OSError when they cannot work);
    tokens it renews are saved, so a restarted worker does not reuse a spent one."""
    if name == "salesforce":
        return SalesforceClient.from_settings(settings, on_session=lambda session_id, url: (
            save_tokens(name, {"session_id": session_id}, {"instance_url": url})))
    if name == "outreach":
        return OutreachClient.from_settings(settings, on_tokens=lambda access, refresh: (
            save_tokens(name, {"access_token": access, "refresh_token": refresh})))
    return SalesloftClient.from_settings(settings, on_tokens=lambda access, refresh: (
        save_tokens(name, {"api_key": access, "refresh_token": refresh})))


def save_tokens(name: str, secrets: Mapping[str, str | None],
                plain: Mapping[str, str] | None = None) -> None:
    """Store tokens a client renewed; its cached client already holds them and stays."""
    row = get(name)
    old = decrypt(row.secrets_encrypted) if row else None
    if row is None or old is None:
        return
    row.secrets_encrypted = encrypt({**old, **{k: v for k, v in secrets.items() if v}})
    row.settings = {**(row.settings or {}), **(plain or {})}
    key = (current_app.config["REDIS_PREFIX"], name)
    cached = _clients.get(key)
    db.session.commit()
    if cached:
        _clients[key] = (_identity(row), cached[1])


def client_for(row: Integration) -> Client:
    """The row's client, cached per process until the row's version moves.

    Raises CrmUnavailable("auth") when the settings cannot make a client.
    """
    key = (current_app.config["REDIS_PREFIX"], row.name)
    cached = _clients.get(key)
    if cached and cached[0] == _identity(row):
        return cached[1]
    settings = full_settings(row)
    if settings is None:
        raise CrmUnavailable(row.name, "auth", "credentials unreadable (SECRET_KEY changed?)")
    try:
        client = build_client(row.name, settings)
    except (ValueError, OSError) as error:
        raise CrmUnavailable(row.name, "auth", f"settings: {error}") from error
    if cached and hasattr(cached[1], "close"):
        cached[1].close()
    _clients[key] = (_identity(row), client)
    return client


def describe(error: CrmUnavailable) -> str:
    """What an admin reads when a connection test fails."""
    what = {
        "auth": "Authentication failed", "down": "The service is down or unreachable",
        "timeout": "The service did not answer in time", "rate_limited": "Rate limited",
        "bad_answer": "Unexpected answer",
    }[error.reason]
    return f"{what}: {error.detail}"[:500] if error.detail else what


def test_connection(name: str) -> Integration:
    """Call the CRM with the saved settings and record the outcome on the row."""
    row = get(name)
    if row is None:
        raise ValidationFailed({"enabled": "Save the settings first."})
    try:
        client_for(row).test_connection()
        row.last_test_ok, row.last_test_message = True, "Connected."
    except CrmUnavailable as error:
        row.last_test_ok, row.last_test_message = False, describe(error)
    row.last_tested_at = utcnow()
    db.session.commit()
    return row


# ---------------------------------------------------------------- user mapping


@dataclass(frozen=True)
class UserMapping:
    """CRM users matched to app users by email, and who is left over on each side."""

    matched: list[tuple[CrmUser, User]]
    crm_only: list[CrmUser]
    app_only: list[User]
    error: str | None = None


def user_mapping(name: str) -> UserMapping:
    """Outreach/Salesloft users against app users, matched by email (case-insensitive)."""
    users = list(db.session.scalars(select(User).where(User.active.is_(True))
                                    .order_by(User.name)))
    row = get(name)
    if row is None or name == "salesforce":
        return UserMapping([], [], users, "Not configured." if row is None else None)
    try:
        crm_users = client_for(row).list_users()
    except CrmUnavailable as error:
        return UserMapping([], [], users, describe(error))
    by_email = {u.email.lower(): u for u in users}
    matched = [(c, by_email[c.email.lower()]) for c in crm_users
               if c.email and c.email.lower() in by_email]
    matched_ids = {u.id for _c, u in matched}
    return UserMapping(
        matched=matched,
        crm_only=[c for c in crm_users if not (c.email and c.email.lower() in by_email)],
        app_only=[u for u in users if u.id not in matched_ids],
    )
