"""One shared Redis subscriber per web process, fanning live events out to local listeners.

flask-sse opens a Redis pub/sub connection per connected board; with hundreds of boards
that is hundreds of connections and as many JSON decodes of every event. Here each web
process PSUBSCRIBEs once to `<prefix>sse:*` and hands every message, formatted as an SSE
frame once, to the queues of the listeners (open streams) on that channel.

It runs in a daemon thread: a greenlet under gunicorn's gevent worker (threading and
queue.Queue are monkeypatched there), a real thread under the werkzeug server and tests.
If the Redis connection drops, it reconnects with backoff and then sends every local
listener a `resync` event, since messages published meanwhile are lost.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import re
import threading
import time

from flask import Flask
from flask_sse import Message
from redis import Redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

log = logging.getLogger(__name__)

LINE_BREAK = re.compile(r"\r\n|\r|\n")
MAX_QUEUE = 1000  # frames a slow client may lag behind before its stream is ended


class Listener:
    """One open stream's inbox: SSE frames for its channels, in arrival order."""

    def __init__(self, channels: tuple[str, ...], maxsize: int = MAX_QUEUE) -> None:
        self.channels = channels
        self.frames: queue.Queue[str] = queue.Queue(maxsize)
        # Set when the client fell too far behind: its stream ends and the browser
        # reconnects (and resyncs) instead of silently missing events.
        self.dropped = False

    def get(self, timeout: float) -> str | None:
        """The next frame, or None after `timeout` seconds without one."""
        try:
            return self.frames.get(timeout=max(timeout, 0.0))
        except queue.Empty:
            return None

    def offer(self, frame: str) -> bool:
        """Queue a frame without blocking; False when the inbox is full."""
        try:
            self.frames.put_nowait(frame)
        except queue.Full:
            return False
        return True


def format_frame(data: str, event: str | None = None, id: str | None = None) -> str:
    """An SSE frame that browsers read back exactly.

    Unlike flask-sse's `str(Message)`, a space follows each field name (browsers strip one
    leading space, which would eat a data line's own indentation) and data is split only
    on the line breaks SSE knows (str.splitlines would also split on U+2028 and friends).
    """
    lines = [f"event: {event}"] if event else []
    lines += [f"data: {line}" for line in LINE_BREAK.split(data)]
    if id:
        lines.append(f"id: {id}")
    return "\n".join(lines) + "\n\n"


RESYNC_FRAME = format_frame("resync", event="resync")


def frame_from_payload(payload: bytes | str) -> str | None:
    """flask-sse's Redis payload (JSON of Message.to_dict()) as an SSE frame, or None."""
    try:
        fields = json.loads(payload)
        message = Message(**fields)
    except (ValueError, TypeError):
        log.warning("ignoring a malformed live event payload")
        return None
    data = message.data if isinstance(message.data, str) else json.dumps(message.data)
    return format_frame(data, message.type, message.id)


class Fanout:
    """The process's shared subscriber to every live-event channel under a prefix."""

    def __init__(self, redis_url: str, channel_prefix: str, retry_delay: float = 0.2) -> None:
        # No transparent retries: a lost connection must reach our loop, which resyncs.
        self._client = Redis.from_url(
            redis_url, socket_connect_timeout=2, health_check_interval=10,
            retry=Retry(NoBackoff(), 0),
        )
        self.channel_prefix = channel_prefix
        self._pattern = _glob_escape(channel_prefix) + "*"
        self._listeners: dict[str, set[Listener]] = {}
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._retry_delay = retry_delay
        self.connections = 0  # how many times the subscription was (re)established

    def subscribe(self, *channels: str) -> Listener:
        """A new listener for one or more full (namespaced) Redis channel names."""
        listener = Listener(tuple(dict.fromkeys(channels)))
        with self._lock:
            for channel in listener.channels:
                self._listeners.setdefault(channel, set()).add(listener)
            self._ensure_started()
        return listener

    def unsubscribe(self, listener: Listener) -> None:
        """Forget a listener (its client went away); safe to call twice."""
        with self._lock:
            for channel in listener.channels:
                group = self._listeners.get(channel)
                if group is not None:
                    group.discard(listener)
                    if not group:
                        del self._listeners[channel]

    def listener_count(self) -> int:
        """How many listeners are attached (for tests and ops)."""
        with self._lock:
            return len({item for group in self._listeners.values() for item in group})

    def wait_ready(self, timeout: float) -> bool:
        """Block until the subscription is active (so nothing sent after this is missed)."""
        return self._ready.wait(timeout)

    def stop(self) -> None:
        """Stop the subscriber thread (tests; processes just exit)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def dispatch(self, channel: str, payload: bytes | str) -> int:
        """Format one message once and queue it for every listener on its channel."""
        with self._lock:
            targets = list(self._listeners.get(channel, ()))
        if not targets:
            return 0
        frame = frame_from_payload(payload)
        if frame is None:
            return 0
        for listener in targets:
            self._deliver(listener, frame)
        return len(targets)

    def _deliver(self, listener: Listener, frame: str) -> None:
        if not listener.offer(frame):
            listener.dropped = True
            self.unsubscribe(listener)

    def _broadcast(self, frame: str) -> None:
        with self._lock:
            targets = {item for group in self._listeners.values() for item in group}
        for listener in targets:
            self._deliver(listener, frame)

    def _ensure_started(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stopping.clear()
            self._thread = threading.Thread(target=self._run, name="liveapp-fanout", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        delay = self._retry_delay
        while not self._stopping.is_set():
            try:
                self._listen()
                delay = self._retry_delay
            except (RedisError, OSError) as error:
                self._ready.clear()
                log.warning("live events subscriber lost Redis (%s); reconnecting", error)
                self._stopping.wait(delay)
                delay = min(delay * 2, 5.0)

    def _listen(self) -> None:
        pubsub = self._client.pubsub()
        try:
            pubsub.psubscribe(self._pattern)
            self._await_confirmation(pubsub)
            self.connections += 1
            self._ready.set()
            if self.connections > 1:
                self._broadcast(RESYNC_FRAME)  # events published while we were away are lost
            while not self._stopping.is_set():
                message = pubsub.get_message(timeout=1.0)
                if message and message["type"] == "pmessage":
                    self.dispatch(message["channel"].decode(), message["data"])
        finally:
            self._ready.clear()
            pubsub.close()

    def _await_confirmation(self, pubsub) -> None:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            message = pubsub.get_message(timeout=0.5)
            if message and message["type"] == "psubscribe":
                return
        raise OSError("no PSUBSCRIBE confirmation from Redis")


def _glob_escape(text: str) -> str:
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)


_hubs_lock = threading.Lock()


_HUB = "liveapp_fanout"  # app.extensions key: (hub, the pid it was made in)


def hub_for(app: Flask) -> Fanout:
    """This process's shared subscriber for the app (a fresh one after a fork)."""
    with _hubs_lock:
        hub, pid = app.extensions.get(_HUB, (None, None))
        if hub is None or pid != os.getpid():
            prefix = app.config["REDIS_PREFIX"] + "sse:"
            hub = Fanout(app.config["REDIS_URL"], prefix)
            app.extensions[_HUB] = (hub, os.getpid())
        return hub


def stop_hub(app: Flask) -> None:
    """Stop the app's subscriber, if it has one (tests, before their Redis stops)."""
    with _hubs_lock:
        hub, _ = app.extensions.pop(_HUB, (None, None))
    if hub is not None:
        hub.stop()
