"""The demo simulator's visitors' addresses. Its visitors come from their companies' IP
ranges (for reverse IP and per-address limits) though they all leave one machine: each
request carries the address in a header signed with a key only the demo's processes
hold (LIVEAPP_SIMULATOR_KEY, generated in the instance folder). The web honours the
header only when that key is configured and the signature matches; anyone else's
X-Forwarded-For changes nothing (no proxy stands in front of the demo)."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

HEADER = "X-Liveapp-Simulated-Ip"
KEY_FILE = "simulator-key"
KEY_VARIABLE = "LIVEAPP_SIMULATOR_KEY"


def _signature(key: str, ip: str) -> str:
    return hmac.new(key.encode(), f"simulated-ip:{ip}".encode(), hashlib.sha256).hexdigest()


def signed(key: str, ip: str) -> str:
    """The header's value for a visitor at `ip`: the address and its signature."""
    return f"{ip} {_signature(key, ip)}"


def verified(key: str, value: str | None) -> str | None:
    """The address a header's value carries when `key` signed it, else None."""
    if not key or not value:
        return None
    ip, _, signature = value.strip().partition(" ")
    try:
        ipaddress.ip_address(ip)
    except ValueError:
        return None
    return ip if hmac.compare_digest(signature, _signature(key, ip)) else None
