"""GET /healthz (liveness: the database and Redis answer) and GET /readyz (readiness:
also a worker seen in the last minute; it reports the event pipeline's lag too)."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text

from liveapp.extensions import db, redis
from liveapp.services.ops import readiness

bp = Blueprint("health", __name__)


def _check_database() -> str | None:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means "not healthy"; say which
        db.session.rollback()
        return f"database: {exc.__class__.__name__}"
    return None


def _check_redis() -> str | None:
    try:
        redis.client.ping()
    except Exception as exc:
        return f"redis: {exc.__class__.__name__}"
    return None


@bp.get("/healthz")
def healthz():
    failures = [f for f in (_check_database(), _check_redis()) if f]
    if failures:
        return jsonify(status="unavailable", failed=failures), 503
    return jsonify(status="ok", database="ok", redis="ok")


@bp.get("/readyz")
def readyz():
    """200 when the database and Redis answer and a worker heartbeat within the last
    minute, else 503; the body reports the pipeline's lag either way (when Redis answers)."""
    failures = [f for f in (_check_database(), _check_redis()) if f]
    if failures:
        return jsonify(status="unavailable", failed=failures), 503
    worker = readiness.worker_seen()
    body = {"status": "ok" if worker["seen"] else "unavailable", "database": "ok",
            "redis": "ok", "worker": worker, "pipeline": readiness.pipeline_lag()}
    if not worker["seen"]:
        body["failed"] = ["worker: none seen in the last minute"]
        return jsonify(body), 503
    return jsonify(body)
