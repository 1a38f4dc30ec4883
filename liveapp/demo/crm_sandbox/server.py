"""Serving the sandbox over TLS with a throwaway CA (trustme), and the settings that point
the real clients at it."""

from __future__ import annotations

import json
import socket
import ssl
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import trustme
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from liveapp import instance
from liveapp.demo.crm_sandbox.app import SandboxApp

SF_VERSION = "59.0"
SETTINGS_FILE = "crm-sandbox.json"


class _KeepAliveHandler(WSGIRequestHandler):
    """HTTP/1.1, so clients reuse connections as they do with the real APIs; no Nagle delay,
    since headers and body go out in separate writes (else ~40 ms per answer on keep-alive)."""

    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _QuietHandler(_KeepAliveHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


@dataclass
class Tls:
    ca_bundle: str
    server_context: ssl.SSLContext


def make_tls(folder: Path) -> Tls:
    """A fresh CA, a certificate for localhost issued by it, and the CA written to disk."""
    folder.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA(organization_name="liveapp CRM sandbox")
    cert = ca.issue_cert("127.0.0.1", "localhost", "::1")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    ca_path = folder / "crm-sandbox-ca.pem"
    ca.cert_pem.write_to_path(str(ca_path))
    return Tls(str(ca_path), context)


@dataclass
class RunningSandbox:
    """A sandbox serving in a background thread (tests, bench) or the foreground (CLI)."""

    app: SandboxApp
    server: BaseWSGIServer
    tls: Tls
    thread: threading.Thread | None = field(default=None)

    @property
    def url(self) -> str:
        return f"https://{self.server.host}:{self.server.port}"

    def settings(self) -> dict[str, Any]:
        """Per-CRM settings dicts for the clients' ``from_settings``."""
        return sandbox_settings(self.url, self.tls.ca_bundle, self.app.state.fixture)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self.thread:
            self.thread.join(timeout=5)


def start(fixture: Any = None, host: str = "127.0.0.1", port: int = 0,
          folder: Path | None = None, background: bool = True,
          salesforce_page_size: int = 2000, quiet: bool = True) -> RunningSandbox:
    """Bind (port 0: a free one) and serve; ``background`` runs it in a daemon thread;
    ``quiet`` leaves out the per-request log lines."""
    folder = folder or Path(tempfile.mkdtemp(prefix="crm-sandbox-"))
    tls = make_tls(folder)
    app = SandboxApp(fixture, salesforce_page_size=salesforce_page_size)
    handler = _QuietHandler if quiet else _KeepAliveHandler
    server = make_server(host, port, app, threaded=True, ssl_context=tls.server_context,
                         request_handler=handler)
    running = RunningSandbox(app, server, tls)
    if background:
        running.thread = threading.Thread(target=server.serve_forever, name="crm-sandbox",
                                          daemon=True)
        running.thread.start()
    return running


def sandbox_settings(url: str, ca_bundle: str, fixture: dict[str, Any]) -> dict[str, Any]:
    sf = fixture["salesforce"]["credentials"]
    out = fixture["outreach"]["credentials"]
    sl = fixture["salesloft"]["credentials"]
    return {
        "url": url,
        "ca_bundle": ca_bundle,
        "salesforce": {
            "instance_url": url, "login_url": url, "session_id": sf["access_tokens"][0],
            "username": sf["username"], "password": sf["password"],
            "security_token": sf.get("security_token", ""), "client_id": sf["client_id"],
            "client_secret": sf["client_secret"], "version": SF_VERSION,
            "ca_bundle": ca_bundle,
        },
        "outreach": {
            "base_url": f"{url}/outreach", "access_token": out["access_tokens"][0],
            "refresh_token": out["refresh_tokens"][0], "client_id": out["client_id"],
            "client_secret": out["client_secret"], "ca_bundle": ca_bundle,
        },
        "salesloft": {
            "base_url": f"{url}/salesloft", "api_key": sl["access_tokens"][0],
            "token_url": f"{url}/salesloft/oauth/token",
            "refresh_token": sl["refresh_tokens"][0], "client_id": sl["client_id"],
            "client_secret": sl["client_secret"], "ca_bundle": ca_bundle,
        },
    }


def write_settings(path: Path, running: RunningSandbox) -> None:
    """Atomically, so whoever polls for the file never reads half of it; the owner's
    only, as it holds the sandbox's credentials."""
    instance.private_folder(path.parent)
    instance.write_private(path, json.dumps(running.settings(), indent=2) + "\n")


def load_settings(instance: Path) -> dict[str, Any] | None:
    """What a running ``liveapp crm-sandbox`` wrote to the instance folder, if any."""
    path = Path(instance) / SETTINGS_FILE
    return json.loads(path.read_text()) if path.exists() else None
