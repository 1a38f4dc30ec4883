"""The httpx plumbing Outreach and Salesloft share: bearer auth with a refresh token,
bounded 429 retries honouring Retry-After / X-RateLimit-Reset, and failures mapped to
CrmUnavailable reasons."""

from __future__ import annotations

import email.utils
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from liveapp.integrations.crm_types import CrmUnavailable
from liveapp.integrations.tls import httpx_verify

TokenCallback = Callable[[str, str | None], None]


@dataclass(frozen=True)
class RetryPolicy:
    """How long a 429 may hold a look-up: at most ``max_retries`` waits, ``max_wait`` total."""

    max_retries: int = 3
    max_wait: float = 10.0
    backoff: float = 0.5  # first wait when the answer names none; doubles each time


@dataclass
class OAuthRefresh:
    """What a 401 needs to get a new access token (``grant_type=refresh_token``)."""

    token_url: str
    refresh_token: str
    client_id: str
    client_secret: str
    redirect_uri: str | None = None


def retry_delay(response: httpx.Response, attempt: int, policy: RetryPolicy,
                now: float | None = None) -> float:
    """Seconds to wait before retrying a 429: Retry-After, else X-RateLimit-Reset, else backoff."""
    now = time.time() if now is None else now
    after = _seconds_or_date(response.headers.get("Retry-After"), now)
    if after is not None:
        return after
    reset = _number(response.headers.get("X-RateLimit-Reset"))
    if reset is not None:
        # Epoch seconds when large, else seconds from now (both are seen in the wild).
        return max(0.0, reset - now) if reset > 1_000_000_000 else max(0.0, reset)
    return policy.backoff * (2 ** attempt)


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _seconds_or_date(value: str | None, now: float) -> float | None:
    """Retry-After is delta-seconds or an HTTP date."""
    seconds = _number(value)
    if seconds is not None or not value:
        return max(0.0, seconds) if seconds is not None else None
    try:
        return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - now)
    except (TypeError, ValueError):
        return None


class JsonApiClient:
    """GETs JSON from one API with bearer auth; subclasses know the paths and shapes."""

    service = "crm"
    content_type = "application/json"

    def __init__(
        self,
        *,
        base_url: str,
        access_token: str,
        refresh: OAuthRefresh | None = None,
        timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        verify: ssl.SSLContext | bool = True,
        on_tokens: TokenCallback | None = None,
        sleep: Callable[[float], None] = time.sleep,
        client: httpx.Client | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.access_token = access_token
        self.refresh = refresh
        self.retry = retry or RetryPolicy()
        self.on_tokens = on_tokens
        self.sleep = sleep
        self.http = client or httpx.Client(timeout=timeout, verify=verify)

    def close(self) -> None:
        self.http.close()

    def get_json(self, path_or_url: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET and decode; None for 404. Raises CrmUnavailable for every failure."""
        url = path_or_url if "://" in path_or_url else self.base_url + path_or_url
        response = self._send(url, params)
        if response.status_code == 404:
            return None
        try:
            return response.json()
        except ValueError:
            raise self.unavailable("bad_answer", "answer is not JSON") from None

    def unavailable(self, reason: str, detail: str = "") -> CrmUnavailable:
        return CrmUnavailable(self.service, reason, detail)  # type: ignore[arg-type]

    def _send(self, url: str, params: Mapping[str, Any] | None) -> httpx.Response:
        waited, refreshed = 0.0, False
        if not self.access_token:
            if not self.refresh:
                raise self.unavailable("auth", "no access token or API key configured")
            self._refresh_token()
            refreshed = True
        for attempt in range(self.retry.max_retries + 1):
            response = self._get(url, params)
            if response.status_code == 401 and self.refresh and not refreshed:
                self._refresh_token()
                refreshed = True
                response = self._get(url, params)
            if response.status_code != 429:
                return self._checked(response)
            delay = retry_delay(response, attempt, self.retry)
            if attempt == self.retry.max_retries or waited + delay > self.retry.max_wait:
                break
            self.sleep(delay)
            waited += delay
        raise self.unavailable("rate_limited", f"429 after {attempt + 1} tries, {waited:.1f}s")

    def _get(self, url: str, params: Mapping[str, Any] | None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.access_token}", "Accept": self.content_type}
        try:
            return self.http.get(url, params=params, headers=headers)
        except httpx.TimeoutException as error:
            raise self.unavailable("timeout", f"{type(error).__name__} for {url}") from error
        except httpx.HTTPError as error:
            raise self.unavailable("down", f"{type(error).__name__}: {error}") from error

    def _checked(self, response: httpx.Response) -> httpx.Response:
        status = response.status_code
        if status in (401, 403):
            raise self.unavailable("auth", f"HTTP {status}: {_error_text(response)}")
        if status >= 500:
            raise self.unavailable("down", f"HTTP {status}")
        if status >= 400 and status != 404:
            raise self.unavailable("bad_answer", f"HTTP {status}: {_error_text(response)}")
        return response

    def _refresh_token(self) -> None:
        assert self.refresh is not None
        form = {
            "grant_type": "refresh_token", "refresh_token": self.refresh.refresh_token,
            "client_id": self.refresh.client_id, "client_secret": self.refresh.client_secret,
        }
        if self.refresh.redirect_uri:
            form["redirect_uri"] = self.refresh.redirect_uri
        try:
            response = self.http.post(self.refresh.token_url, data=form)
        except httpx.TimeoutException as error:
            raise self.unavailable("timeout", "token refresh timed out") from error
        except httpx.HTTPError as error:
            raise self.unavailable("down", f"token refresh: {error}") from error
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code != 200 or not isinstance(body, dict):
            raise self.unavailable("auth", f"token refresh refused (HTTP {response.status_code})")
        if not isinstance(body.get("access_token"), str):
            raise self.unavailable("bad_answer", "token answer without access_token")
        self.access_token = body["access_token"]
        if isinstance(body.get("refresh_token"), str):
            self.refresh.refresh_token = body["refresh_token"]
        if self.on_tokens:
            self.on_tokens(self.access_token, self.refresh.refresh_token)


class EngagementClient(JsonApiClient):
    """A sales-engagement API (Outreach, Salesloft): lists read page by page, and each
    user's email looked up once per client."""

    def __init__(self, *, page_size: int = 50, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.page_size = page_size
        self._user_emails: dict[str, str | None] = {}


def _error_text(response: httpx.Response) -> str:
    """The first error message of a JSON:API ``errors`` or Salesloft ``error`` body."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return str(errors[0].get("detail") or errors[0].get("title") or "")
        return str(body.get("error") or errors or "")[:200]
    return ""


def refresh_from_settings(
    settings: Mapping[str, Any], default_token_url: str
) -> OAuthRefresh | None:
    """An OAuthRefresh when the settings hold a refresh token and client credentials."""
    needed = ("refresh_token", "client_id", "client_secret")
    if not all(settings.get(k) for k in needed):
        return None
    return OAuthRefresh(
        token_url=settings.get("token_url") or default_token_url,
        refresh_token=settings["refresh_token"], client_id=settings["client_id"],
        client_secret=settings["client_secret"], redirect_uri=settings.get("redirect_uri"),
    )


def client_options(settings: Mapping[str, Any], default_token_url: str) -> dict[str, Any]:
    """The JSON:API clients' options shared by Outreach and Salesloft, from plain settings:
    refresh credentials, timeout, retry policy, CA bundle and page size."""
    return {
        "refresh": refresh_from_settings(settings, default_token_url),
        "timeout": float(settings.get("timeout") or 10.0),
        "retry": RetryPolicy(max_retries=int(settings.get("max_retries", 3)),
                             max_wait=float(settings.get("max_wait", 10.0))),
        "verify": httpx_verify(settings.get("ca_bundle")),
        "page_size": int(settings.get("page_size") or 50),
    }


def as_dict(value: Any, service: str, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise CrmUnavailable(service, "bad_answer", f"{what} is not an object")
    return value
