"""Outreach API v2 (JSON:API) look-ups: a prospect's owner and the sender of its last mailing."""

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

DEFAULT_BASE_URL = "https://api.outreach.io"
JSON_API = "application/vnd.api+json"
MAX_PAGES = 20


class OutreachClient(EngagementClient):
    """Prospect owner and last mailing sender, users listed for email matching."""

    service = "outreach"
    content_type = JSON_API

    @classmethod
    def from_settings(
        cls, settings: Mapping[str, Any], on_tokens: TokenCallback | None = None, **kwargs: Any
    ) -> OutreachClient:
        """Keys: access_token; optional base_url, refresh_token + client_id + client_secret
        (+ redirect_uri, token_url), timeout, ca_bundle, page_size, max_retries, max_wait."""
        base_url = settings.get("base_url") or DEFAULT_BASE_URL
        return cls(
            base_url=base_url,
            access_token=settings.get("access_token") or "",
            on_tokens=on_tokens,
            **client_options(settings, base_url.rstrip("/") + "/oauth/token"),
            **kwargs,
        )

    def find_prospect(self, email: str) -> ProspectOwnership | None:
        """The most recently updated prospect with that email, its owner and last sender."""
        prospects = list(self._pages("/api/v2/prospects", {
            "filter[emails]": email, "page[size]": self.page_size,
        }))
        if not prospects:
            return None
        prospect = max(prospects, key=lambda p: str(_attr(p, "updatedAt") or ""))
        prospect_id = str(prospect.get("id"))
        owner_id = _rel_id(prospect, "owner")
        sender_id, sender_email = self.last_sender(prospect_id)
        return ProspectOwnership(
            source="outreach", prospect_id=prospect_id, owner_id=owner_id,
            owner_email=self.user_email(owner_id) if owner_id else None,
            sender_id=sender_id, sender_email=sender_email,
        )

    def last_sender(self, prospect_id: str) -> tuple[str | None, str | None]:
        """(user id, email) of who sent the prospect's last delivered mailing."""
        body = as_dict(self.get_json("/api/v2/mailings", {
            "filter[prospect][id]": prospect_id, "sort": "-deliveredAt", "page[size]": 1,
        }), self.service, "mailings answer")
        mailings = _data_list(body, self.service)
        if not mailings:
            return None, None
        user_id = _rel_id(mailings[0], "user")
        if user_id:
            return user_id, self.user_email(user_id)
        return None, _attr(mailings[0], "mailboxAddress")

    def user_email(self, user_id: str) -> str | None:
        """A user's email (cached for the client's life: users rarely change)."""
        if user_id not in self._user_emails:
            body = self.get_json(f"/api/v2/users/{user_id}")
            data = as_dict(body, self.service, "user answer").get("data") if body else None
            self._user_emails[user_id] = _attr(data, "email") if data else None
        return self._user_emails[user_id]

    def list_users(self) -> list[CrmUser]:
        """Every user (for matching app users by email)."""
        return [
            CrmUser(str(u.get("id")), _attr(u, "email"),
                    " ".join(filter(None, [_attr(u, "firstName"), _attr(u, "lastName")])) or None)
            for u in self._pages("/api/v2/users", {"page[size]": self.page_size})
        ]

    def test_connection(self) -> None:
        self.get_json("/api/v2/users", {"page[size]": 1})

    def _pages(self, path: str, params: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
        """Resources across pages, following ``links.next`` (bounded)."""
        body = as_dict(self.get_json(path, params), self.service, "list answer")
        for _ in range(MAX_PAGES):
            yield from _data_list(body, self.service)
            next_url = (body.get("links") or {}).get("next")
            if not next_url:
                return
            body = as_dict(self.get_json(next_url), self.service, "list answer")


def _data_list(body: Mapping[str, Any], service: str) -> list[Mapping[str, Any]]:
    data = body.get("data")
    if not isinstance(data, list) or not all(isinstance(d, dict) and "id" in d for d in data):
        raise CrmUnavailable(service, "bad_answer", "JSON:API answer without a data list")
    return data


def _attr(resource: Mapping[str, Any] | None, name: str) -> Any:
    attributes = (resource or {}).get("attributes")
    return attributes.get(name) if isinstance(attributes, dict) else None


def _rel_id(resource: Mapping[str, Any], name: str) -> str | None:
    relationship = ((resource.get("relationships") or {}).get(name) or {})
    data = relationship.get("data") if isinstance(relationship, dict) else None
    return str(data["id"]) if isinstance(data, dict) and data.get("id") is not None else None
