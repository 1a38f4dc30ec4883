"""GET /healthz for load balancers and ops: the database and Redis must answer."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text

from liveapp.extensions import db, redis

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
