"""Small helpers for answering on the wire."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from werkzeug.wrappers import Response


def json_response(body: Any, status: int = 200, headers: Mapping[str, str] | None = None,
                  content_type: str = "application/json;charset=UTF-8") -> Response:
    return Response(json.dumps(body), status=status, headers=dict(headers or {}),
                    content_type=content_type)
