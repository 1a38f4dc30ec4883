"""The shared subscriber: routing by channel, listeners coming and going, slow clients and
a Redis restart, against real Redis servers."""

from __future__ import annotations

import json
import re
import subprocess
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st
from redis import Redis

from liveapp import embedded_redis
from liveapp.infra import realtime
from liveapp.infra.fanout import RESYNC_FRAME, Fanout, Listener, format_frame, hub_for
from tests.realtime.server import parse_frames

TIMEOUT = 5.0


def _next_event(listener: Listener) -> str:
    frame = listener.get(TIMEOUT)
    assert frame is not None, "no frame within the timeout"
    return frame


def test_send_reaches_only_the_channels_listeners(app, app_ctx):
    # A subscriber of the test's own: the app's shared one may still hold the listeners
    # of an earlier test's event streams, which the live server lets go of later.
    hub = Fanout(app.config["REDIS_URL"], app.config["REDIS_PREFIX"] + "sse:")
    rep5 = hub.subscribe(realtime.redis_channel(realtime.rep_channel(5)))
    rep6 = hub.subscribe(realtime.redis_channel(realtime.rep_channel(6)))
    admin = hub.subscribe(realtime.redis_channel(realtime.ADMIN_CHANNEL))
    try:
        assert hub.wait_ready(TIMEOUT)
        realtime.send(realtime.rep_channel(6), "card", "<p>for six</p>")
        realtime.send(realtime.rep_channel(5), "card", "<p>for\nfive</p>", id="e1")
        realtime.send(realtime.ADMIN_CHANNEL, "card", "<p>all</p>")
        assert _next_event(rep5) == "event: card\ndata: <p>for\ndata: five</p>\nid: e1\n\n"
        assert _next_event(rep6) == "event: card\ndata: <p>for six</p>\n\n"
        assert _next_event(admin) == "event: card\ndata: <p>all</p>\n\n"
        assert rep5.get(0.1) is None and rep6.get(0.1) is None
    finally:
        for listener in (rep5, rep6, admin):
            hub.unsubscribe(listener)
    assert hub.listener_count() == 0
    hub.stop()


def test_other_installations_events_are_not_received(app, app_ctx):
    hub = hub_for(app)
    listener = hub.subscribe(realtime.redis_channel("rep:5"))
    try:
        assert hub.wait_ready(TIMEOUT)
        other = "otherinstall:sse:rep:5"  # same channel, another prefix
        Redis.from_url(app.config["REDIS_URL"]).publish(other, '{"data": "x"}')
        realtime.send("rep:5", "card", "ours")
        assert _next_event(listener) == "event: card\ndata: ours\n\n"
    finally:
        hub.unsubscribe(listener)


def test_send_refuses_frames_that_would_break_the_stream(app_ctx):
    for bad in ({"event": "a\nb"}, {"id": "1\r2"}):
        with pytest.raises(ValueError):
            realtime.send("rep:1", **{"event": "card", "data": "x", **bad})
    with pytest.raises(ValueError):
        realtime.send("rep:1", "card", "")


def test_a_slow_listener_is_dropped_not_the_others(app, app_ctx):
    hub = Fanout(app.config["REDIS_URL"], app.config["REDIS_PREFIX"] + "sse:")
    slow = hub.subscribe("c")
    fast = hub.subscribe("c")
    for n in range(slow.frames.maxsize + 1):
        hub.dispatch("c", json.dumps({"data": str(n)}))
        assert fast.get(0) is not None
    assert slow.dropped and not fast.dropped
    assert hub.listener_count() == 1
    hub.stop()


@pytest.fixture
def private_redis(tmp_path):
    """A Redis server of this test's own, which the test may restart on the same port."""
    port = embedded_redis._free_port()
    argv = [embedded_redis.redis_server_binary(), "--port", str(port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--dir", str(tmp_path)]

    def start():
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + TIMEOUT
        while not embedded_redis.ping(port):
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.02)
        return proc

    servers = [start()]
    yield port, servers, start
    for proc in servers:
        proc.kill()
        proc.wait(timeout=TIMEOUT)


def test_subscriber_survives_a_redis_restart_and_resyncs_listeners(private_redis):
    port, servers, start = private_redis
    url = f"redis://127.0.0.1:{port}/0"
    hub = Fanout(url, "t:sse:", retry_delay=0.05)
    listener = hub.subscribe("t:sse:rep:1")
    publisher = Redis.from_url(url)
    try:
        assert hub.wait_ready(TIMEOUT)
        publisher.publish("t:sse:rep:1", '{"data": "before", "type": "card"}')
        assert _next_event(listener) == "event: card\ndata: before\n\n"

        servers[0].kill()
        servers[0].wait(timeout=TIMEOUT)
        servers.append(start())

        assert _next_event(listener) == RESYNC_FRAME  # events may have been lost meanwhile
        assert hub.wait_ready(TIMEOUT)
        publisher.publish("t:sse:rep:1", '{"data": "after", "type": "card"}')
        assert _next_event(listener) == "event: card\ndata: after\n\n"
        assert hub.listener_count() == 1
    finally:
        hub.unsubscribe(listener)
        hub.stop()
        publisher.close()
    assert hub.listener_count() == 0


@given(st.text(min_size=1), st.text(alphabet=st.characters(exclude_characters="\r\n")))
def test_frames_read_back_exactly_as_browsers_parse_them(data, event):
    frame = format_frame(data, event=event or None)
    parsed = next(parse_frames(iter(re.split(r"\r\n|\r|\n", frame))))
    assert parsed.data == re.sub(r"\r\n|\r", "\n", data)
    assert parsed.event == (event or "message")
