"""What every Flask request reports: its id (X-Request-Id, and in every log line while
it runs), its latency (liveapp_http_request_duration_seconds) and one log line.

The events API's fast path (blueprints/tracking.py) reports the same for its requests
without Flask's hooks. Both hooks here are registered together, first before and last
after the app's own, so the time covers the app's hooks too.
"""

from __future__ import annotations

import logging
import re
import time

from flask import Flask, request
from flask_login import current_user

from liveapp import logs, metrics

log = logging.getLogger("liveapp.requests")

STARTED = "liveapp.started"
TOKENS = "liveapp.log_tokens"
# A proxy's request id is kept when it looks like one (it ends up in our log lines).
INCOMING_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


def request_id_of(environ: dict) -> str:
    """The proxy's X-Request-Id when it is a plain token, else a new one."""
    incoming = environ.get("HTTP_X_REQUEST_ID", "")
    return incoming if INCOMING_ID.fullmatch(incoming) else logs.new_request_id()


def started() -> None:
    environ = request.environ
    environ[STARTED] = time.perf_counter()
    environ[TOKENS] = logs.bind(request_id=request_id_of(environ))


def finished(response):
    environ = request.environ
    seconds = time.perf_counter() - environ.get(STARTED, time.perf_counter())
    metrics.request_done(request.endpoint, response.status_code, seconds)
    request_id = logs.context().get("request_id")
    if request_id:
        response.headers["X-Request-Id"] = request_id
    log.info("%s %s %s", request.method, request.endpoint or request.path,
             response.status_code, extra={
                 "path": request.path, "status": response.status_code,
                 "duration_ms": round(seconds * 1000, 2),
                 "user_id": current_user.id if current_user.is_authenticated else None})
    return response


def forget(_error=None) -> None:
    tokens = request.environ.pop(TOKENS, None)
    if tokens:
        logs.unbind(tokens)


def init_app(app: Flask) -> None:
    """First before-request hook, last after-request hook (after_request runs in reverse)."""
    app.before_request_funcs.setdefault(None, []).insert(0, started)
    app.after_request_funcs.setdefault(None, []).insert(0, finished)
    app.teardown_request(forget)
