"""Salesloft API v2 look-ups: a person's owner and the sender of their last email."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from liveapp.integrations.crm_types import CrmUnavailable, CrmUser, ProspectOwnership
from liveapp.integrations.http import (
    EngagementClient,
    TokenCallback,
    as_dict,
    client_options,
)

DEFAULT_BASE_URL = "https://api.salesloft.com"
DEFAULT_TOKEN_URL = "https://accounts.salesloft.com/oauth/token"
MAX_PAGES = 20


class SalesloftClient(EngagementClient):
    """Person owner and last email sender, users listed for email matching."""

    service = "salesloft"

    @classmethod
    def from_settings(
        cls, settings: Mapping[str, Any], on_tokens: TokenCallback | None = None, **kwargs: Any
    ) -> SalesloftClient:
        """Keys: api_key (or access_token); optional base_url, refresh_token + client_id +
        client_secret (+ token_url), timeout, ca_bundle, page_size, max_retries, max_wait."""
        return cls(
            base_url=settings.get("base_url") or DEFAULT_BASE_URL,
            access_token=settings.get("api_key") or settings.get("access_token") or "",
            on_tokens=on_tokens,
            **client_options(settings, DEFAULT_TOKEN_URL),
            **kwargs,
        )

    def find_person(self, email: str) -> ProspectOwnership | None:
        """The most recently updated person with that email, its owner and last sender."""
        people = list(self._pages("/v2/people", {"email_addresses[]": email}))
        if not people:
            return None
        person = max(people, key=lambda p: str(p.get("updated_at") or ""))
        person_id = str(person["id"])
        owner_id = _ref_id(person.get("owner"))
        sender_id = self.last_sender_id(person_id)
        return ProspectOwnership(
            source="salesloft", prospect_id=person_id, owner_id=owner_id,
            owner_email=self.user_email(owner_id) if owner_id else None,
            sender_id=sender_id, sender_email=self.user_email(sender_id) if sender_id else None,
        )

    def last_sender_id(self, person_id: str) -> str | None:
        """The user id of whoever sent the person's most recent email."""
        body = as_dict(self.get_json("/v2/activities/emails", {
            "person_id": person_id, "sort_by": "updated_at", "sort_direction": "DESC",
            "per_page": 1,
        }), self.service, "emails answer")
        emails = _data_list(body)
        return _ref_id(emails[0].get("user")) if emails else None

    def user_email(self, user_id: str) -> str | None:
        """A user's email (cached for the client's life)."""
        if user_id not in self._user_emails:
            body = self.get_json(f"/v2/users/{user_id}")
            data = as_dict(body, self.service, "user answer").get("data") if body else None
            self._user_emails[user_id] = data.get("email") if isinstance(data, dict) else None
        return self._user_emails[user_id]

    def list_users(self) -> list[CrmUser]:
        """Every user (for matching app users by email)."""
        return [CrmUser(str(u["id"]), u.get("email"), u.get("name"))
                for u in self._pages("/v2/users", {})]

    def test_connection(self) -> None:
        self.get_json("/v2/me")

    def _pages(self, path: str, params: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
        """Records across pages, following ``metadata.paging.next_page`` (bounded)."""
        page = 1
        for _ in range(MAX_PAGES):
            body = as_dict(self.get_json(path, {**params, "per_page": self.page_size,
                                                "page": page}), self.service, "list answer")
            yield from _data_list(body)
            paging = (body.get("metadata") or {}).get("paging") or {}
            next_page = paging.get("next_page") if isinstance(paging, dict) else None
            if not isinstance(next_page, int) or next_page <= page:
                return
            page = next_page


def _data_list(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    data = body.get("data")
    if not isinstance(data, list) or not all(isinstance(d, dict) and "id" in d for d in data):
        raise CrmUnavailable("salesloft", "bad_answer", "answer without a data list")
    return data


def _ref_id(reference: Any) -> str | None:
    """``{"id": 7, "_href": ...}`` -> "7"."""
    if isinstance(reference, dict) and reference.get("id") is not None:
        return str(reference["id"])
    return None
