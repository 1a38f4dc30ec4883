"""A trivial JSON endpoint: bench/ingest.py's framework ceiling. Registered only when
BENCH_ENDPOINTS is on (LIVEAPP_BENCH_ENDPOINTS=1)."""

from __future__ import annotations

import json

from flask import Blueprint, Response

from liveapp.extensions import csrf

bp = Blueprint("bench", __name__, url_prefix="/bench")
csrf.exempt(bp)


@bp.post("/ping")
def ping():
    return Response(json.dumps({"ok": True}), status=202, mimetype="application/json")
