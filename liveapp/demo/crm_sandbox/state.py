"""The sandbox's mutable state: fixture data, issued tokens, injected faults, counters."""

from __future__ import annotations

import copy
import json
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SERVICES = ("salesforce", "outreach", "salesloft")
FAULT_KINDS = ("401", "429", "500", "slow", "malformed")
DEFAULT_FIXTURE = Path(__file__).with_name("fixture.json")


@dataclass
class Fault:
    """Break requests to one service whose path starts with ``path_prefix``."""

    service: str
    path_prefix: str = "/"
    kind: str = "500"
    count: int | None = 1  # None: until removed
    delay: float = 0.0  # "slow": seconds before answering
    retry_after: int | None = 1  # "429": Retry-After seconds, None to leave the header out
    reset_in: int | None = None  # "429": X-RateLimit-Reset this many seconds from now
    body: Any = None  # "malformed": what to answer with 200 (default: an HTML page)

    @classmethod
    def from_json(cls, data: Any) -> Fault:
        if not isinstance(data, dict):
            raise ValueError("fault must be an object")
        if data.get("service") not in SERVICES:
            raise ValueError(f"service must be one of {', '.join(SERVICES)}")
        if str(data.get("kind")) not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {', '.join(FAULT_KINDS)}")
        count = data.get("count", 1)
        if count is not None and (not isinstance(count, int) or count < 1):
            raise ValueError("count must be a positive integer or null")
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault fields: {', '.join(sorted(unknown))}")
        return cls(**{**data, "kind": str(data["kind"]),
                      "delay": float(data.get("delay") or 0.0)})


def load_fixture(source: str | Path | dict | None = None) -> dict[str, Any]:
    """A fixture dict from a dict, a JSON file path, or the bundled default."""
    if isinstance(source, dict):
        return copy.deepcopy(source)
    return json.loads(Path(source or DEFAULT_FIXTURE).read_text())


class SandboxState:
    """Everything the sandbox answers from; every mutation holds the lock."""

    def __init__(self, fixture: dict[str, Any], salesforce_page_size: int = 2000) -> None:
        self.lock = threading.Lock()
        self.fixture = fixture
        self.faults: list[Fault] = []
        self.requests: dict[str, int] = dict.fromkeys(SERVICES, 0)
        self.salesforce_page_size = salesforce_page_size
        self.locators: dict[str, list[dict[str, Any]]] = {}
        self.tokens = {service: set(self._credentials(service).get("access_tokens", []))
                       for service in SERVICES}
        self.refresh_tokens = {service: set(self._credentials(service).get("refresh_tokens", []))
                               for service in SERVICES}

    def _credentials(self, service: str) -> dict[str, Any]:
        return self.fixture.get(service, {}).get("credentials", {})

    def credentials(self, service: str) -> dict[str, Any]:
        return dict(self._credentials(service))

    def count(self, service: str) -> int:
        with self.lock:
            self.requests[service] += 1
            return self.requests[service]

    def take_fault(self, service: str, path: str) -> Fault | None:
        """The first fault matching the request, used up by one (None: none applies)."""
        with self.lock:
            for fault in self.faults:
                if fault.service == service and path.startswith(fault.path_prefix):
                    if fault.count is not None:
                        fault.count -= 1
                        if fault.count <= 0:
                            self.faults.remove(fault)
                    return fault
        return None

    def add_fault(self, fault: Fault) -> None:
        with self.lock:
            self.faults.append(fault)

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def token_valid(self, service: str, token: str | None) -> bool:
        with self.lock:
            return bool(token) and token in self.tokens[service]

    def issue_token(self, service: str, with_refresh: bool = False) -> tuple[str, str | None]:
        access = f"{service[:2]}-{secrets.token_urlsafe(18)}"
        refresh = f"{service[:2]}-r-{secrets.token_urlsafe(18)}" if with_refresh else None
        with self.lock:
            self.tokens[service].add(access)
            if refresh:
                self.refresh_tokens[service].add(refresh)
        return access, refresh

    def use_refresh_token(self, service: str, token: str | None) -> bool:
        """Issued refresh tokens rotate (a used one is gone); the fixture's own stay valid,
        so every client built from the sandbox settings can refresh."""
        with self.lock:
            if not token or token not in self.refresh_tokens[service]:
                return False
            if token not in self._credentials(service).get("refresh_tokens", []):
                self.refresh_tokens[service].discard(token)
            return True

    def expire_sessions(self, service: str, token: str | None = None) -> None:
        """One access token (or every one) of a service stops working, as on a timeout."""
        with self.lock:
            if token:
                self.tokens[service].discard(token)
            else:
                self.tokens[service].clear()

    def store_locator(self, rows: list[dict[str, Any]]) -> str:
        locator = f"01g{secrets.token_hex(6)}"
        with self.lock:
            if len(self.locators) > 500:  # bounded: forget the oldest cursors
                for key in list(self.locators)[:100]:
                    del self.locators[key]
            self.locators[locator] = rows
        return locator

    def locator_rows(self, locator: str) -> list[dict[str, Any]] | None:
        with self.lock:
            return self.locators.get(locator)
