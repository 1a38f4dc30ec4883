"""GET /metrics: the Prometheus text format, for a scraper holding LIVEAPP_METRICS_TOKEN.

Without the variable the endpoint does not exist (404); a request without the token is
401, with another one 403. The numbers are every liveapp process's of this machine (see
liveapp.metrics), plus what Redis holds (live visitors, queues, the pipeline's lag), read
at each scrape: liveapp.figures, which Settings → Status reads too.
"""

from __future__ import annotations

import hmac

from flask import Blueprint, Response, abort, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST

from liveapp import figures

bp = Blueprint("metrics", __name__)


def _authorised() -> None:
    """404 unless a token is configured; 401 without a bearer token; 403 for another."""
    expected = current_app.config.get("METRICS_TOKEN", "")
    if not expected:
        abort(404)
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given:
        abort(Response("A bearer token is needed.\n", 401, {"WWW-Authenticate": "Bearer"}))
    if not hmac.compare_digest(given.strip().encode(), expected.encode()):
        abort(Response("Wrong token.\n", 403))


@bp.get("/metrics")
def scrape():
    """The Prometheus exposition of every metric."""
    _authorised()
    return Response(figures.exposition(), mimetype=None, content_type=CONTENT_TYPE_LATEST,
                    headers={"Cache-Control": "no-store"})
