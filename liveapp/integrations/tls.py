"""Trust settings shared by the clients: a CA bundle path becomes what each HTTP stack wants."""

from __future__ import annotations

import ssl
from typing import Any

import requests
from requests.adapters import HTTPAdapter


class _TrustingAdapter(HTTPAdapter):
    """Verifies against one CA bundle whatever the environment says: requests lets
    REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override ``session.verify`` (psf/requests#3829)."""

    def __init__(self, ca_bundle: str) -> None:
        self.ca_bundle = ca_bundle
        super().__init__()

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        kwargs["verify"] = self.ca_bundle
        return super().send(request, **kwargs)


def requests_session(ca_bundle: str | None = None) -> requests.Session:
    """A requests session (for simple-salesforce) that trusts ``ca_bundle`` when given."""
    session = requests.Session()
    if ca_bundle:
        session.verify = ca_bundle
        session.mount("https://", _TrustingAdapter(ca_bundle))
    return session


def httpx_verify(ca_bundle: str | None = None) -> ssl.SSLContext | bool:
    """The ``verify`` argument for httpx: a context trusting ``ca_bundle``, or the default."""
    return ssl.create_default_context(cafile=ca_bundle) if ca_bundle else True
