"""Logging: one place sets it up (`configure`, from create_app), JSON lines when
LIVEAPP_LOG_FORMAT=json, and the context every line carries.

The context (request id, user id, the internal visitor id, job id) lives in context
variables, set where a unit of work starts (a request: liveapp.observe; a job:
jobs.worker) and read by the formatter, so a line logged anywhere below names them.
Lines carry only what their call passes: never a password, a token or a message body.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import os
import sys
import time
from collections.abc import Iterator
from contextvars import ContextVar

CONTEXT_FIELDS = ("request_id", "user_id", "visitor_id", "job_id")
_context: dict[str, ContextVar] = {name: ContextVar(name, default=None)
                                   for name in CONTEXT_FIELDS}

# A LogRecord's own attributes: anything else on a record came from `extra=`.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


REQUEST_ID = _context["request_id"]  # set directly on the events API's fast path


_ids = itertools.count()
_process_prefix = [os.getpid(), os.urandom(4).hex()]


def new_request_id() -> str:
    """16 hex digits, unique across processes: a per-process random half and a counter
    (os.urandom per request cost microseconds on the events API's hot path)."""
    if _process_prefix[0] != os.getpid():  # a forked child draws its own
        _process_prefix[:] = [os.getpid(), os.urandom(4).hex()]
    return f"{_process_prefix[1]}{next(_ids) & 0xFFFFFFFF:08x}"


def bind(**values) -> list:
    """Set context fields (see CONTEXT_FIELDS); returns the tokens for `unbind`."""
    return [(_context[name], _context[name].set(value)) for name, value in values.items()]


def unbind(tokens: list) -> None:
    for var, token in reversed(tokens):
        var.reset(token)


@contextlib.contextmanager
def bound(**values) -> Iterator[None]:
    tokens = bind(**values)
    try:
        yield
    finally:
        unbind(tokens)


def context() -> dict:
    """The context fields set now."""
    return {name: value for name, var in _context.items() if (value := var.get()) is not None}


def _extra(record: logging.LogRecord) -> dict:
    """The fields a call passed with `extra=` (those set)."""
    return {k: v for k, v in vars(record).items()
            if k not in _STANDARD and not k.startswith("_") and v is not None}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the context, the
    call's `extra=` fields, and the traceback of an exception."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
                + f".{int(record.msecs):03d}Z",
                "level": record.levelname, "logger": record.name,
                "message": record.getMessage(), **context()}
        line.update(_extra(record))
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class TextFormatter(logging.Formatter):
    """The usual text line, with the context and `extra=` fields after it as key=value."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        fields = {**context(), **_extra(record)}
        text = super().format(record)
        return text + "".join(f" {k}={v}" for k, v in fields.items()) if fields else text


def configure(fmt: str | None = None, level: str | None = None, stream=None) -> None:
    """The root logger's one handler, our own (replaced when called again): JSON lines
    (`fmt` "json", default LIVEAPP_LOG_FORMAT) or text, at `level` (LIVEAPP_LOG_LEVEL;
    default INFO for JSON, where a collector filters, WARNING for text consoles)."""
    fmt = (fmt or os.environ.get("LIVEAPP_LOG_FORMAT") or "text").strip().lower()
    level = level or os.environ.get("LIVEAPP_LOG_LEVEL") or ("INFO" if fmt == "json"
                                                             else None)
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "liveapp", False)]:
        root.removeHandler(handler)
    if fmt != "json" and level is None and root.handlers:
        return  # a text console someone set up already (pytest, `liveapp pipeline`)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.liveapp = True
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    if fmt == "json":  # one format per process: basicConfig's text console goes
        for other in [h for h in root.handlers if type(h) is logging.StreamHandler]:
            root.removeHandler(other)
    root.addHandler(handler)
    root.setLevel(level or "WARNING")
