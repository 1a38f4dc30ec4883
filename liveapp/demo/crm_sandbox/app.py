"""The sandbox WSGI app: Salesforce at ``/services``, Outreach under ``/outreach``, Salesloft
under ``/salesloft``, and ``/_sandbox`` to inject faults and tune it at runtime."""

from __future__ import annotations

import json
import time
from typing import Any

from werkzeug.wrappers import Request, Response

from liveapp.demo.crm_sandbox.outreach_api import OutreachApi
from liveapp.demo.crm_sandbox.outreach_api import errors as outreach_errors
from liveapp.demo.crm_sandbox.salesforce_api import SalesforceApi
from liveapp.demo.crm_sandbox.salesforce_api import errors as salesforce_errors
from liveapp.demo.crm_sandbox.salesloft_api import SalesloftApi
from liveapp.demo.crm_sandbox.salesloft_api import error as salesloft_error
from liveapp.demo.crm_sandbox.state import (
    SERVICES,
    Fault,
    SandboxState,
    load_fixture,
)
from liveapp.demo.crm_sandbox.wire import json_response

MOUNTS = {"outreach": "/outreach", "salesloft": "/salesloft"}


class SandboxApp:
    """One WSGI callable answering for the three CRMs from a fixture."""

    def __init__(self, fixture: Any = None, salesforce_page_size: int = 2000) -> None:
        self.state = SandboxState(load_fixture(fixture), salesforce_page_size)
        self.salesforce = SalesforceApi(self.state)
        self.outreach = OutreachApi(self.state)
        self.salesloft = SalesloftApi(self.state)

    def __call__(self, environ, start_response):
        request = Request(environ)
        return self.dispatch(request)(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        path = request.path
        if path.startswith("/_sandbox/"):
            return self.control(request, path.removeprefix("/_sandbox"))
        service, service_path = _service_of(path)
        if service is None:
            return json_response({"error": "not a sandbox path"}, 404)
        fault = self.state.take_fault(service, service_path)
        if fault and fault.kind == "slow":
            time.sleep(min(fault.delay, 60.0))
            fault = None
        if fault and fault.kind in ("500", "malformed"):
            return _broken(service, fault)
        if service == "salesforce":
            return self.salesforce.handle(request, fault)
        if service == "outreach":
            return self.outreach.handle(request, service_path, fault)
        return self.salesloft.handle(request, service_path, fault)

    def control(self, request: Request, path: str) -> Response:
        state = self.state
        if path == "/health":
            return json_response({"ok": True})
        if path == "/faults" and request.method == "DELETE":
            state.clear_faults()
            return Response(status=204)
        if path == "/faults" and request.method == "GET":
            return json_response([vars(f) for f in state.faults])
        body = request.get_json(silent=True)
        try:
            if path == "/faults" and request.method == "POST":
                state.add_fault(Fault.from_json(body))
                return json_response({"ok": True}, 201)
            if path == "/config" and request.method == "POST":
                size = (body or {}).get("salesforce_page_size")
                if not isinstance(size, int) or size < 1:
                    raise ValueError("salesforce_page_size must be a positive integer")
                state.salesforce_page_size = size
                return json_response({"ok": True})
            if path == "/expire" and request.method == "POST":
                service = (body or {}).get("service")
                if service not in SERVICES:
                    raise ValueError(f"service must be one of {', '.join(SERVICES)}")
                state.expire_sessions(service, (body or {}).get("token"))
                return json_response({"ok": True})
            if path == "/stats" and request.method == "GET":
                return json_response({"requests": state.requests})
        except (ValueError, TypeError) as error:
            return json_response({"error": str(error)}, 400)
        return json_response({"error": "unknown sandbox control"}, 404)


def _service_of(path: str) -> tuple[str | None, str]:
    if path.startswith("/services/"):
        return "salesforce", path
    for service, mount in MOUNTS.items():
        if path.startswith(mount + "/"):
            return service, path.removeprefix(mount)
    return None, path


def _broken(service: str, fault: Fault) -> Response:
    if fault.kind == "malformed":
        if fault.body is None:
            return Response("<html><body>Service temporarily unavailable</body></html>",
                            200, content_type="text/html")
        return Response(json.dumps(fault.body), 200, content_type="application/json")
    if service == "salesforce":
        return salesforce_errors(500, "UNKNOWN_EXCEPTION", "An unexpected error occurred.")
    if service == "outreach":
        return outreach_errors(500, "internalServerError", "Internal Server Error",
                               "Something went wrong")
    return salesloft_error(500, "Internal Server Error")
