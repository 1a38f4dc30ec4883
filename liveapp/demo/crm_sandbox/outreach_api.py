"""Outreach API v2 (JSON:API) as the sandbox speaks it, mounted under ``/outreach``."""

from __future__ import annotations

import base64
import time
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from liveapp.demo.crm_sandbox.state import Fault, SandboxState
from liveapp.demo.crm_sandbox.wire import json_response

JSON_API = "application/vnd.api+json"
RATE_LIMIT = 10000
MAX_PAGE_SIZE = 100


def errors(status: int, error_id: str, title: str, detail: str, **headers: str) -> Response:
    body = {"errors": [{"id": error_id, "title": title, "detail": detail}]}
    return json_response(body, status, headers, content_type=JSON_API)


def _media_type_has_params(value: str) -> bool:
    return any(part.split(";")[0].strip() == JSON_API and ";" in part
               for part in value.split(","))


class OutreachApi:
    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.data = state.fixture["outreach"]

    def handle(self, request: Request, path: str, fault: Fault | None) -> Response:
        if path == "/oauth/token" and request.method == "POST":
            return self.token(request)
        content_type = request.headers.get("Content-Type", "")
        if request.method in ("POST", "PATCH") and (
            content_type.split(";")[0].strip() != JSON_API or ";" in content_type
        ):
            return errors(415, "unsupportedMediaType", "Unsupported Media Type",
                          f"Requests with a body must use Content-Type: {JSON_API}")
        if _media_type_has_params(request.headers.get("Accept", "")):
            return errors(406, "notAcceptable", "Not Acceptable",
                          "The JSON:API media type must not carry parameters in Accept")
        token = (request.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        if (fault and fault.kind == "401") or not self.state.token_valid("outreach", token):
            return errors(401, "unauthorizedRequest", "Unauthorized Request",
                          "The access token is missing, invalid or expired")
        used = self.state.count("outreach")
        reset = int(time.time()) + 60
        if fault and fault.kind == "429":
            headers = {"X-RateLimit-Limit": str(RATE_LIMIT), "X-RateLimit-Remaining": "0",
                       "X-RateLimit-Reset": str(int(time.time()) + (fault.reset_in or 60))}
            if fault.retry_after is not None:
                headers["Retry-After"] = str(fault.retry_after)
            return errors(429, "rateLimitExceeded", "Rate Limit Exceeded",
                          "You have exceeded your permitted rate limit", **headers)
        response = self.route(request, path)
        response.headers.update({"X-RateLimit-Limit": str(RATE_LIMIT),
                                 "X-RateLimit-Remaining": str(max(0, RATE_LIMIT - used)),
                                 "X-RateLimit-Reset": str(reset)})
        return response

    def route(self, request: Request, path: str) -> Response:
        if request.method != "GET":
            return errors(405, "methodNotAllowed", "Method Not Allowed", "The sandbox only reads")
        parts = [p for p in path.split("/") if p]
        if parts[:2] != ["api", "v2"] or len(parts) not in (3, 4):
            return errors(404, "resourceNotFound", "Resource Not Found", "No such resource")
        kind = parts[2]
        if kind not in ("prospects", "users", "mailings"):
            return errors(404, "resourceNotFound", "Resource Not Found", f"Unknown type {kind}")
        if len(parts) == 4:
            return self.one(request, kind, parts[3])
        return self.many(request, kind)

    def one(self, request: Request, kind: str, resource_id: str) -> Response:
        for row in self.data[kind]:
            if str(row["id"]) == resource_id:
                return json_response({"data": self.resource(request, kind, row)},
                                     content_type=JSON_API)
        return errors(404, "resourceNotFound", "Resource Not Found",
                      f"Could not find '{kind[:-1]}' with ID '{resource_id}'")

    def many(self, request: Request, kind: str) -> Response:
        args = request.args
        rows = [r for r in self.data[kind] if _filtered(kind, r, args)]
        sort = args.get("sort")
        if sort:
            name = sort.lstrip("-")
            rows.sort(key=lambda r: str(r.get(name) or ""), reverse=sort.startswith("-"))
        try:
            size = min(MAX_PAGE_SIZE, max(1, int(args.get("page[size]", 50))))
            offset = _decode_cursor(args.get("page[after]"))
        except ValueError:
            return errors(400, "validationError", "Validation Error", "invalid page parameters")
        batch = rows[offset:offset + size]
        body: dict[str, Any] = {"data": [self.resource(request, kind, r) for r in batch],
                                "meta": {"count": len(rows)},
                                "links": {"first": _page_url(request, None)}}
        if offset + size < len(rows):
            body["links"]["next"] = _page_url(request, _encode_cursor(offset + size))
        return json_response(body, content_type=JSON_API)

    def resource(self, request: Request, kind: str, row: dict[str, Any]) -> dict[str, Any]:
        base = request.host_url.rstrip("/") + "/outreach/api/v2"
        singular = kind[:-1]
        if kind == "users":
            attributes = {k: row.get(k) for k in ("email", "firstName", "lastName", "locked")}
            relationships: dict[str, Any] = {}
        elif kind == "prospects":
            attributes = {k: row.get(k) for k in
                          ("emails", "firstName", "lastName", "company", "updatedAt")}
            relationships = {"owner": _relation("user", row.get("owner_id"))}
        else:
            attributes = {k: row.get(k) for k in
                          ("mailboxAddress", "deliveredAt", "subject", "state")}
            relationships = {"prospect": _relation("prospect", row.get("prospect_id")),
                             "user": _relation("user", row.get("user_id"))}
        return {"type": singular, "id": row["id"], "attributes": attributes,
                "relationships": relationships,
                "links": {"self": f"{base}/{kind}/{row['id']}"}}

    def token(self, request: Request) -> Response:
        form, creds = request.form, self.state.credentials("outreach")
        ok = (form.get("grant_type") == "refresh_token"
              and form.get("client_id") == creds.get("client_id")
              and form.get("client_secret") == creds.get("client_secret")
              and self.state.use_refresh_token("outreach", form.get("refresh_token")))
        if not ok:
            return json_response({"error": "invalid_grant",
                                  "error_description": "The provided authorization grant is "
                                  "invalid, expired or revoked"}, 400)
        access, refresh = self.state.issue_token("outreach", with_refresh=True)
        return json_response({"access_token": access, "refresh_token": refresh,
                              "token_type": "bearer", "expires_in": 7200,
                              "created_at": int(time.time())})


def _relation(kind: str, related_id: Any) -> dict[str, Any]:
    return {"data": {"type": kind, "id": related_id} if related_id is not None else None}


def _filtered(kind: str, row: dict[str, Any], args) -> bool:
    email = args.get("filter[emails]")
    if kind == "prospects" and email is not None:
        return email.lower() in (e.lower() for e in row.get("emails") or [])
    prospect_id = args.get("filter[prospect][id]")
    if kind == "mailings" and prospect_id is not None:
        return str(row.get("prospect_id")) == prospect_id
    user_email = args.get("filter[email]")
    if kind == "users" and user_email is not None:
        return (row.get("email") or "").lower() == user_email.lower()
    return True


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    if not text.startswith("o:"):
        raise ValueError("bad cursor")
    return int(text[2:])


def _page_url(request: Request, cursor: str | None) -> str:
    args = request.args.copy()
    args.pop("page[after]", None)
    if cursor:
        args["page[after]"] = cursor

    query = urlencode(list(args.items(multi=True)))
    return f"{request.base_url}?{query}" if query else request.base_url
