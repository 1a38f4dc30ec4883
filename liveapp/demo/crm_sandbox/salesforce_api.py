"""Salesforce REST as the sandbox speaks it: query (+ nextRecordsUrl), sobjects, OAuth token."""

from __future__ import annotations

import re
import time
from typing import Any

import jwt
from werkzeug.wrappers import Request, Response

from liveapp.demo.crm_sandbox import soql
from liveapp.demo.crm_sandbox.state import Fault, SandboxState
from liveapp.demo.crm_sandbox.wire import json_response
from liveapp.integrations.salesforce_auth import JWT_GRANT

# The sandbox org and its integration user, as the token endpoint's identity URL names them.
ORG_ID, API_USER_ID = "00D5g000004SbXqEAK", "0055g00000IgRtNAAV"

API_LIMIT = 15000
RELATIONSHIP_TARGETS = {
    "Owner": "User", "User": "User", "CreatedBy": "User", "LastModifiedBy": "User",
    "Account": "Account", "ConvertedContact": "Contact", "ConvertedAccount": "Account",
}
_DATA_PATH = re.compile(r"^/services/data/v(?P<version>\d+\.\d)(?P<rest>/.*)?$")


def errors(status: int, code: str, message: str, **headers: str) -> Response:
    return json_response([{"message": message, "errorCode": code}], status, headers)


class SalesforceApi:
    def __init__(self, state: SandboxState) -> None:
        self.state = state

    # -- data model ---------------------------------------------------------------------

    def objects(self, sobject: str) -> list[dict[str, Any]]:
        objects = self.state.fixture["salesforce"]["objects"]
        if sobject not in objects:
            raise soql.SoqlError(f"sObject type '{sobject}' is not supported.")
        return objects[sobject]

    def by_id(self, sobject: str, record_id: Any) -> dict[str, Any] | None:
        if not record_id:
            return None
        index = self.state.fixture["salesforce"].setdefault("_index", {})
        if sobject not in index:
            index[sobject] = {r["Id"]: r for r in self.objects(sobject)}
        return index[sobject].get(record_id)

    def fields_of(self, sobject: str) -> set[str]:
        known = self.state.fixture["salesforce"].setdefault("_fields", {})
        if sobject not in known:
            known[sobject] = {"Id"}.union(*(r.keys() for r in self.objects(sobject)))
        return known[sobject]

    def resolver(self, sobject: str):
        def resolve(record: dict[str, Any], path: str) -> Any:
            return self.value(sobject, record, path.split("."))
        return resolve

    def value(self, sobject: str, record: dict[str, Any] | None, parts: list[str]) -> Any:
        """A field or relationship path's value; SoqlError for a field that does not exist."""
        head = parts[0]
        if len(parts) == 1:
            if head not in self.fields_of(sobject):
                raise soql.SoqlError(f"No such column '{head}' on entity '{sobject}'.")
            return record.get(head) if record else None
        target = RELATIONSHIP_TARGETS.get(head)
        if not target or f"{head}Id" not in self.fields_of(sobject):
            raise soql.SoqlError(f"Didn't understand relationship '{head}' on '{sobject}'.")
        related = self.by_id(target, record.get(f"{head}Id")) if record else None
        return self.value(target, related, parts[1:])

    def shaped(self, sobject: str, record: dict[str, Any], fields: tuple[str, ...],
               version: str) -> dict[str, Any]:
        """A record as the REST API returns it: attributes, then the selected fields."""
        out: dict[str, Any] = {"attributes": _attributes(sobject, record, version)}
        for path in fields:
            self._place(out, sobject, record, path.split("."), version)
        return out

    def _place(self, out: dict[str, Any], sobject: str, record: dict[str, Any] | None,
               parts: list[str], version: str) -> None:
        if len(parts) == 1:
            out[parts[0]] = self.value(sobject, record, parts)
            return
        target = RELATIONSHIP_TARGETS.get(parts[0], "")
        self.value(sobject, record, parts)  # validates the whole path
        related = self.by_id(target, record.get(f"{parts[0]}Id")) if record else None
        if related is None:
            out[parts[0]] = None
            return
        child = out.get(parts[0]) or {"attributes": _attributes(target, related, version)}
        out[parts[0]] = child
        self._place(child, target, related, parts[1:], version)

    # -- endpoints ----------------------------------------------------------------------

    def handle(self, request: Request, fault: Fault | None) -> Response:
        path = request.path
        if path == "/services/oauth2/token" and request.method == "POST":
            return self.token(request)
        if path.rstrip("/") == "/services/data":
            return json_response([{"label": "Winter '24", "url": "/services/data/v59.0",
                                  "version": "59.0"}])
        match = _DATA_PATH.match(path)
        if not match:
            return errors(404, "NOT_FOUND", "The requested resource does not exist")
        token = (request.headers.get("Authorization") or "").split(" ", 1)[-1]
        if (fault and fault.kind == "401") or not self.state.token_valid("salesforce", token):
            return errors(401, "INVALID_SESSION_ID", "Session expired or invalid")
        used = self.state.count("salesforce")
        if fault and fault.kind == "429":
            return errors(403, "REQUEST_LIMIT_EXCEEDED",
                          "TotalRequests Limit exceeded.",
                          **{"Sforce-Limit-Info": f"api-usage={API_LIMIT}/{API_LIMIT}"})
        response = self.data(request, match["version"], match["rest"] or "/")
        response.headers["Sforce-Limit-Info"] = f"api-usage={used}/{API_LIMIT}"
        return response

    def data(self, request: Request, version: str, rest: str) -> Response:
        if request.method != "GET":
            return errors(405, "METHOD_NOT_ALLOWED", "The sandbox only reads.")
        parts = [p for p in rest.split("/") if p]
        if parts and parts[0] in ("query", "queryAll"):
            if len(parts) == 2:
                return self.more(parts[1], version)
            return self.query(request.args.get("q", ""), version)
        if len(parts) == 3 and parts[0] == "sobjects":
            return self.sobject(parts[1], parts[2], version)
        return errors(404, "NOT_FOUND", "The requested resource does not exist")

    def query(self, text: str, version: str) -> Response:
        try:
            parsed = soql.parse(text)
            resolve = self.resolver(parsed.sobject)
            rows = soql.run(parsed, self.objects(parsed.sobject), resolve)
            shaped = [self.shaped(parsed.sobject, r, parsed.fields, version) for r in rows]
        except soql.SoqlError as error:
            code = "INVALID_FIELD" if "No such column" in str(error) else "MALFORMED_QUERY"
            return errors(400, code, str(error))
        return json_response(self.page(shaped, 0, version))

    def more(self, locator: str, version: str) -> Response:
        key, _, offset = locator.rpartition("-")
        rows = self.state.locator_rows(key)
        if rows is None or not offset.isdigit():
            return errors(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        return json_response(self.page(rows, int(offset), version, key))

    def page(self, rows: list[dict[str, Any]], offset: int, version: str,
             locator: str | None = None) -> dict[str, Any]:
        size = self.state.salesforce_page_size
        batch = rows[offset:offset + size]
        body: dict[str, Any] = {"totalSize": len(rows), "done": offset + size >= len(rows),
                                "records": batch}
        if not body["done"]:
            locator = locator or self.state.store_locator(rows)
            body["nextRecordsUrl"] = f"/services/data/v{version}/query/{locator}-{offset + size}"
        return body

    def sobject(self, sobject: str, record_id: str, version: str) -> Response:
        try:
            record = self.by_id(sobject, record_id)
        except soql.SoqlError:
            return errors(404, "NOT_FOUND", "The requested resource does not exist")
        if record is None:
            return errors(404, "NOT_FOUND", "The requested resource does not exist")
        fields = tuple(k for k in record if not k.startswith("_"))
        return json_response(self.shaped(sobject, record, fields, version))

    def token(self, request: Request) -> Response:
        form, creds = request.form, self.state.credentials("salesforce")
        grant = form.get("grant_type")
        client_ok = form.get("client_id") == creds.get("client_id")
        secret_ok = form.get("client_secret") == creds.get("client_secret")
        if grant == "password":
            password = (creds.get("password") or "") + (creds.get("security_token") or "")
            ok = client_ok and form.get("username") == creds.get("username") and (
                form.get("password") == password)
        elif grant == "client_credentials":
            ok = client_ok and secret_ok
        elif grant == "refresh_token":
            ok = client_ok and self.state.use_refresh_token("salesforce",
                                                           form.get("refresh_token"))
        elif grant == JWT_GRANT:
            ok = _jwt_ok(form.get("assertion"), creds, request.host_url.rstrip("/"))
        else:
            return json_response({"error": "unsupported_grant_type",
                                  "error_description": "grant type not supported"}, 400)
        if not ok:
            return json_response({"error": "invalid_grant",
                                  "error_description": "authentication failure"}, 400)
        access, refresh = self.state.issue_token("salesforce", grant == "refresh_token")
        body = {"access_token": access, "instance_url": request.host_url.rstrip("/"),
                "id": f"{request.host_url}id/{ORG_ID}/{API_USER_ID}",
                "token_type": "Bearer", "issued_at": str(int(time.time() * 1000)),
                "signature": "sandbox"}
        if refresh:
            body["refresh_token"] = refresh
        return json_response(body)


def _jwt_ok(assertion: str | None, creds: dict[str, Any], audience: str) -> bool:
    """A JWT bearer assertion signed by the connected app's key, for the API user."""
    if not assertion or not creds.get("jwt_public_key"):
        return False
    try:
        claims = jwt.decode(assertion, creds["jwt_public_key"], algorithms=["RS256"],
                            audience=audience)
    except jwt.PyJWTError:
        return False
    return claims.get("iss") == creds.get("client_id") and claims.get("sub") == creds.get(
        "username")


def _attributes(sobject: str, record: dict[str, Any], version: str) -> dict[str, str]:
    return {"type": sobject, "url": f"/services/data/v{version}/sobjects/{sobject}/{record['Id']}"}
