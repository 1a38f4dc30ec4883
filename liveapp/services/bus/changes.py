"""The change bus: every visible change about a visitor (or to the settings) goes through
`publish`, and every feature that reacts to changes handles them here, in one fixed,
written-down order.

A *unit of work* collects the changes published while it runs and dispatches them when it
ends: a web request (opened before the view, flushed after it), a job (`jobs.app_context`),
a batch of the event pipeline (`liveapp pipeline`), or `with changes.unit():` anywhere.
A change published outside any unit is dispatched at once, as a unit of its own.

Dispatch runs the stages in this order, each stage's handlers in registration order, each
handler once with every change of the unit it has not seen yet (so a handler works once
per visitor, not once per change):

1. ``record``      what follows from recorded facts: CRM look-ups, enrichment requests
2. ``membership``  segments, experience and stream, evaluated once per visitor
3. ``routing``     routing triggers: pounce on entering a stream, re-checks on new facts
4. ``cards``       board cards (rendered once per visitor), timelines, arrival notices
5. ``prompts``     inbound accept prompts
6. ``chat``        chat panels and the visitor's widget status

A change published by a handler (membership publishes "membership", routing "routing")
joins the unit: the later stages see it in the same pass, the earlier ones (and its own)
in the next pass. Every stage sees every change exactly once.

Settings changes travel the same way: `settings_changed(kind)` publishes a change with
no visitor (`visitor_id == ""`, kind "settings", data {"what": kind}).
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field

from flask import g

from liveapp.extensions import db

log = logging.getLogger(__name__)

KINDS = (
    "new_visitor", "page_view", "presence", "identify", "enrichment", "crm", "membership",
    "routing", "conversation", "meeting", "bot", "settings",
)
STAGES = ("record", "membership", "routing", "cards", "prompts", "chat")
MAX_PASSES = 8  # a handler loop (A publishes for B publishes for A...) stops here, logged


@dataclass(frozen=True)
class Change:
    """What changed about a visitor: `kind` is one of KINDS, `data` the details. A
    settings change has no visitor (`visitor_id == ""`)."""

    visitor_id: str
    kind: str
    data: dict = field(default_factory=dict)
    at: float = 0.0

    def to_json(self) -> str:
        return json.dumps(
            {"visitor_id": self.visitor_id, "kind": self.kind, "data": self.data, "at": self.at},
            default=str,
        )


BatchHandler = Callable[[list[Change]], None]
Handler = Callable[[Change], None]

_handlers: dict[str, list[BatchHandler]] = {stage: [] for stage in STAGES}
_per_change: dict[Handler, BatchHandler] = {}


def handles(stage: str) -> Callable[[BatchHandler], BatchHandler]:
    """Register `handler(changes)` for a stage (a decorator): it gets the unit's changes
    in publishing order and filters what it cares about itself."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}")

    def register(handler: BatchHandler) -> BatchHandler:
        if handler not in _handlers[stage]:
            _handlers[stage].append(handler)
        return handler

    return register


def unregister(handler: BatchHandler) -> None:
    for handlers in _handlers.values():
        if handler in handlers:
            handlers.remove(handler)


def subscribe(handler: Handler, stage: str = "chat") -> Handler:
    """Call `handler(change)` for each change, in `stage` (by default last: tests and
    tools that only watch)."""
    if handler not in _per_change:
        def each(batch: list[Change]) -> None:
            for change in batch:
                handler(change)

        _per_change[handler] = each
        handles(stage)(each)
    return handler


def unsubscribe(handler: Handler) -> None:
    each = _per_change.pop(handler, None)
    if each is not None:
        unregister(each)


# ---------------------------------------------------------------- units of work


class Unit:
    """The changes of one unit of work, and which stages have seen each."""

    def __init__(self) -> None:
        self.items: list[tuple[Change, set[str]]] = []
        self.dispatching = False
        self.kept: list = []  # see keep()
        self.notes: dict[str, object] = {}  # see note()

    def add(self, change: Change) -> None:
        self.items.append((change, set()))

    def __len__(self) -> int:
        return len(self.items)

    def flush(self) -> int:
        """Dispatch every change to every stage, in order; returns how many changes."""
        if self.dispatching:  # a handler's own nested flush: the outer one goes on
            return 0
        self.dispatching = True
        try:
            for _ in range(MAX_PASSES):
                if all(len(seen) == len(STAGES) for _, seen in self.items):
                    break
                for stage in STAGES:
                    batch = [change for change, seen in self.items if stage not in seen]
                    for _change, seen in self.items:
                        seen.add(stage)
                    if batch:
                        _run(stage, batch)
            else:
                log.error("change dispatch did not settle after %d passes", MAX_PASSES)
            done = len(self.items)
            self.items.clear()
            return done
        finally:
            self.dispatching = False


_current: ContextVar[Unit | None] = ContextVar("liveapp_change_unit", default=None)


def _run(stage: str, batch: list[Change]) -> None:
    for handler in list(_handlers[stage]):
        try:
            handler(batch)
        except Exception:  # one broken handler must not lose the changes for the others
            log.exception("change handler %r (%s) failed", handler, stage)
            _rollback()


def _rollback() -> None:
    """A failed handler may leave the database session in a failed transaction."""
    with contextlib.suppress(Exception):
        db.session.rollback()


def current() -> Unit | None:
    return _current.get()


def begin() -> Unit:
    """Start a unit of work here (see `unit`); `end(unit)` flushes and closes it."""
    unit = Unit()
    unit.token = _current.set(unit)  # type: ignore[attr-defined]
    return unit


def end(unit: Unit, flush: bool = True) -> int:
    """Flush a unit started with `begin` (unless told not to), then close it."""
    try:
        return unit.flush() if flush else 0
    finally:
        with contextlib.suppress(ValueError):  # reset in another context: just clear it
            _current.reset(unit.token)  # type: ignore[attr-defined]
        if _current.get() is unit:
            _current.set(None)


@contextlib.contextmanager
def unit() -> Iterator[Unit]:
    """Collect the changes published inside, dispatch them at the end. Nested: the
    outer unit collects (and dispatches) everything."""
    outer = _current.get()
    if outer is not None:
        yield outer
        return
    work = begin()
    try:
        yield work
    finally:
        end(work)


@contextlib.contextmanager
def muted() -> Iterator[None]:
    """Drop the changes published inside (seeding and benchmark tools that write state
    directly and want no board or routing reaction to it)."""
    work = begin()
    try:
        yield
    finally:
        end(work, flush=False)


def keep(*groups: Iterable) -> None:
    """Hold these objects until the current unit of work ends (database rows one stage
    loaded in bulk, for the next stages to find in the session's identity map, which
    holds rows only while something refers to them). Outside a unit: nothing."""
    work = _current.get()
    if work is not None:
        for group in groups:
            work.kept.extend(group)


def note(key: str, value: object) -> None:
    """Remember a value read from Redis for the rest of the unit of work (the settings
    version, which each stage would otherwise read again). Outside a unit: nothing."""
    work = _current.get()
    if work is not None:
        work.notes[key] = value


def noted(key: str) -> object | None:
    """A value noted earlier in the current unit of work, or None."""
    work = _current.get()
    return None if work is None else work.notes.get(key)


def publish(visitor_id: str, kind: str, **data) -> Change:
    """Tell every stage that a visitor (or, with kind "settings", the settings) changed:
    at the end of the current unit of work, or now when there is none."""
    if kind not in KINDS:
        raise ValueError(f"unknown change kind {kind!r}")
    change = Change(visitor_id, kind, data, time.time())
    work = _current.get()
    if work is not None:
        work.add(change)
        return change
    with unit() as work:
        work.add(change)
    return change


def settings_changed(what: str) -> Change:
    """Streams, segments, experiences or routing rules were saved: membership recompiles
    and re-evaluates live visitors, boards refresh, routing reloads its rules."""
    return publish("", "settings", what=what)


def settings_kinds(batch: list[Change]) -> list[str]:
    """The settings kinds changed in a batch (each once, in order)."""
    return list(dict.fromkeys(c.data.get("what", "") for c in batch if c.kind == "settings"))


def visitor_batches(batch: list[Change], ignore: frozenset[str] = frozenset()
                    ) -> dict[str, list[Change]]:
    """A batch's visitor changes by visitor, in first-seen order (settings changes and
    kinds in `ignore` left out)."""
    grouped: dict[str, list[Change]] = {}
    for change in batch:
        if change.visitor_id and change.kind not in ignore:
            grouped.setdefault(change.visitor_id, []).append(change)
    return grouped


def init_app(app) -> None:
    """Every request is a unit of work: its changes are dispatched after the view, before
    the response leaves (a failed request's collected changes too: what it committed
    before failing happened)."""

    @app.before_request
    def _open_unit():
        g.change_unit = begin()

    @app.after_request
    def _flush_unit(response):
        work = g.pop("change_unit", None)
        if work is not None:
            end(work)
        return response

    @app.teardown_request
    def _close_unit(error=None):
        work = g.pop("change_unit", None)
        if work is not None:  # the view raised: after_request did not run
            _rollback()
            end(work)
