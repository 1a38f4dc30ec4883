"""Trust settings shared by the clients: a CA bundle path becomes what each HTTP stack wants."""

from __future__ import annotations

import ssl

import requests


def requests_session(ca_bundle: str | None = None) -> requests.Session:
    """A requests session (for simple-salesforce) that trusts ``ca_bundle`` when given."""
    session = requests.Session()
    if ca_bundle:
        session.verify = ca_bundle
    return session


def httpx_verify(ca_bundle: str | None = None) -> ssl.SSLContext | bool:
    """The ``verify`` argument for httpx: a context trusting ``ca_bundle``, or the default."""
    return ssl.create_default_context(cafile=ca_bundle) if ca_bundle else True
