"""Salesloft API v2 as the sandbox speaks it, mounted under ``/salesloft``."""

from __future__ import annotations

import time
from typing import Any

from werkzeug.wrappers import Request, Response

from liveapp.demo.crm_sandbox.state import Fault, SandboxState
from liveapp.demo.crm_sandbox.wire import json_response

MAX_PER_PAGE = 100
MINUTE_COST_LIMIT = 600


def error(status: int, message: str, **headers: str) -> Response:
    return json_response({"error": message}, status, headers)


class SalesloftApi:
    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.data = state.fixture["salesloft"]

    def handle(self, request: Request, path: str, fault: Fault | None) -> Response:
        if path == "/oauth/token" and request.method == "POST":
            return self.token(request)
        token = (request.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        if (fault and fault.kind == "401") or not self.state.token_valid("salesloft", token):
            return error(401, "Unauthorized")
        used = self.state.count("salesloft")
        if fault and fault.kind == "429":
            headers = {"x-ratelimit-remaining-minute": "0",
                       "x-ratelimit-endpoint-cost": "1"}
            if fault.retry_after is not None:
                headers["Retry-After"] = str(fault.retry_after)
            return error(429, "Rate limit exceeded: try again after the minute", **headers)
        response = self.route(request, path)
        response.headers["x-ratelimit-remaining-minute"] = str(max(0, MINUTE_COST_LIMIT - used))
        response.headers["x-ratelimit-endpoint-cost"] = "1"
        return response

    def route(self, request: Request, path: str) -> Response:
        if request.method != "GET":
            return error(405, "The sandbox only reads")
        parts = [p for p in path.split("/") if p]
        if parts == ["v2", "me"]:
            return json_response({"data": self.user(request, self.data["users"][0])})
        if parts == ["v2", "activities", "emails"]:
            return self.listing(request, "emails", self.email)
        if len(parts) in (2, 3) and parts[:1] == ["v2"] and parts[1] in ("people", "users"):
            shape = self.person if parts[1] == "people" else self.user
            if len(parts) == 3:
                return self.one(request, parts[1], parts[2], shape)
            return self.listing(request, parts[1], shape)
        return error(404, "Not Found")

    def one(self, request: Request, kind: str, item_id: str, shape) -> Response:
        for row in self.data[kind]:
            if str(row["id"]) == item_id:
                return json_response({"data": shape(request, row)})
        return error(404, "Not Found")

    def listing(self, request: Request, kind: str, shape) -> Response:
        args = request.args
        rows = [r for r in self.data[kind] if _filtered(kind, r, args)]
        sort_by = args.get("sort_by", "updated_at")
        rows.sort(key=lambda r: (str(r.get(sort_by) or ""), r["id"]),
                  reverse=args.get("sort_direction", "DESC").upper() == "DESC")
        try:
            per_page = min(MAX_PER_PAGE, max(1, int(args.get("per_page", 25))))
            page = max(1, int(args.get("page", 1)))
        except ValueError:
            return error(422, "per_page and page must be integers")
        total_pages = max(1, -(-len(rows) // per_page))
        paging: dict[str, Any] = {
            "per_page": per_page, "current_page": page,
            "next_page": page + 1 if page < total_pages else None,
            "prev_page": page - 1 if page > 1 else None,
        }
        if args.get("include_paging_counts") == "true":
            paging.update(total_pages=total_pages, total_count=len(rows))
        batch = rows[(page - 1) * per_page: page * per_page]
        return json_response({
            "metadata": {"filtering": {k: v for k, v in args.items() if k not in (
                "per_page", "page", "sort_by", "sort_direction")},
                "paging": paging,
                "sorting": {"sort_by": sort_by,
                            "sort_direction": args.get("sort_direction", "DESC")}},
            "data": [shape(request, r) for r in batch],
        })

    def _ref(self, request: Request, kind: str, ref_id: Any) -> dict[str, Any] | None:
        if ref_id is None:
            return None
        return {"_href": f"{request.host_url}salesloft/v2/{kind}/{ref_id}", "id": ref_id}

    def user(self, request: Request, row: dict[str, Any]) -> dict[str, Any]:
        return {"id": row["id"], "guid": row.get("guid"), "name": row.get("name"),
                "email": row.get("email"), "active": row.get("active", True)}

    def person(self, request: Request, row: dict[str, Any]) -> dict[str, Any]:
        return {"id": row["id"], "email_address": row.get("email_address"),
                "first_name": row.get("first_name"), "last_name": row.get("last_name"),
                "display_name": " ".join(filter(None, [row.get("first_name"),
                                                       row.get("last_name")])),
                "updated_at": row.get("updated_at"),
                "owner": self._ref(request, "users", row.get("owner_id"))}

    def email(self, request: Request, row: dict[str, Any]) -> dict[str, Any]:
        return {"id": row["id"], "updated_at": row.get("updated_at"),
                "sent_at": row.get("updated_at"), "status": "sent",
                "recipient_email_address": row.get("recipient_email_address"),
                "user": self._ref(request, "users", row.get("user_id")),
                "recipient": self._ref(request, "people", row.get("person_id"))}

    def token(self, request: Request) -> Response:
        form, creds = request.form, self.state.credentials("salesloft")
        ok = (form.get("grant_type") == "refresh_token"
              and form.get("client_id") == creds.get("client_id")
              and form.get("client_secret") == creds.get("client_secret")
              and self.state.use_refresh_token("salesloft", form.get("refresh_token")))
        if not ok:
            return json_response({"error": "invalid_grant"}, 400)
        access, refresh = self.state.issue_token("salesloft", with_refresh=True)
        return json_response({"access_token": access, "refresh_token": refresh,
                              "token_type": "bearer", "expires_in": 7200,
                              "created_at": int(time.time())})


def _filtered(kind: str, row: dict[str, Any], args) -> bool:
    if kind == "people":
        wanted = [e.lower() for e in args.getlist("email_addresses[]")]
        return not wanted or (row.get("email_address") or "").lower() in wanted
    if kind == "emails" and args.get("person_id") is not None:
        return str(row.get("person_id")) == args["person_id"]
    return True
