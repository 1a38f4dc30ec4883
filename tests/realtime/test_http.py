"""Server-sent events over real HTTP: gunicorn with the gevent worker, httpx clients."""

from __future__ import annotations

import contextlib
import time

import httpx
import pytest

from liveapp.extensions import redis
from liveapp.infra import realtime
from liveapp.services.routing import board_presence
from tests.factories import PASSWORD
from tests.realtime.server import CSRF_META, EventStream, gunicorn, login, stop

WAIT = 5.0  # upper bound of every wait; nothing here asserts a timing


@pytest.fixture(scope="module")
def server(app, tmp_path_factory):
    log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    config = {"SSE_PING_INTERVAL": 0.2, "BOARD_PRESENCE_TTL": 0.5}
    proc, base_url = gunicorn(app, config, log_path=log)
    yield base_url
    stop(proc)


@pytest.fixture(autouse=True)
def boards_closed(server, app):
    """Each test starts once the previous test's boards are gone from the server: a closed
    client's stream ends at the server's next ping and its presence key lapses a TTL
    later, so a test that starts sooner (under load) would see the last test's rep."""
    yield
    with app.app_context():
        pattern = redis.key("board", "*")
        assert wait_until(lambda: not redis.client.keys(pattern)), "a board outlived its test"


@contextlib.contextmanager
def board(server, user, channel=None, headers=None):
    """A signed-in client with its event stream open, past the opening comment."""
    with httpx.Client(base_url=server, timeout=WAIT) as client:
        login(client, user.email, PASSWORD)
        channel = channel or realtime.rep_channel(user.id)
        url = f"/events/stream?channel={channel}"
        with client.stream("GET", url, headers=headers or {}) as response:
            assert response.status_code == 200
            stream = EventStream(response)
            opening = stream.next_frame()
            assert opening.comments and opening.comments[0] == "connected"
            assert opening.id and not opening.is_event
            yield stream


def wait_until(predicate, timeout: float = WAIT) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def test_a_sent_event_arrives_exactly(server, app_ctx, rep):
    with board(server, rep) as stream:
        html = '<div id="visitor-7" class="card">Acme &amp; Co</div>'
        realtime.send(realtime.rep_channel(rep.id), "card", html, id="42")
        event = stream.next_event()
        assert (event.event, event.data, event.id) == ("card", html, "42")


def test_multiline_html_arrives_whole(server, app_ctx, rep):
    with board(server, rep) as stream:
        html = "<li>\n  <b>one</b>\n</li>"
        realtime.send(realtime.rep_channel(rep.id), "card", html)
        assert stream.next_event().data == html


def test_reps_never_receive_each_others_events(server, app_ctx, make_user):
    rep_a = make_user(role="rep", email="a@example.com")
    rep_b = make_user(role="rep", email="b@example.com")
    with board(server, rep_a) as stream_a, board(server, rep_b) as stream_b:
        realtime.send(realtime.rep_channel(rep_b.id), "card", "for B")
        realtime.send(realtime.rep_channel(rep_a.id), "card", "for A")
        # One subscriber connection delivers in publish order: had A been sent B's event,
        # it would arrive first.
        assert stream_a.next_event().data == "for A"
        assert stream_b.next_event().data == "for B"


def test_admin_receives_the_admin_channel(server, app_ctx, admin):
    with board(server, admin, channel=realtime.ADMIN_CHANNEL) as stream:
        realtime.send(realtime.ADMIN_CHANNEL, "card", "everyone")
        assert stream.next_event().data == "everyone"


def test_an_admin_board_carries_its_own_and_the_admin_channel(server, app_ctx, admin):
    channel = f"{realtime.rep_channel(admin.id)}&channel={realtime.ADMIN_CHANNEL}"
    with board(server, admin, channel=channel) as stream:
        realtime.send(realtime.ADMIN_CHANNEL, "card", "everyone")
        realtime.send(realtime.rep_channel(admin.id), "offer", "just you")
        assert [stream.next_event().data for _ in range(2)] == ["everyone", "just you"]
        assert board_presence.board_connected(admin.id)


def test_pings_keep_coming(server, app_ctx, rep):
    with board(server, rep) as stream:
        assert "ping" in stream.next_frame().comments


def test_a_reconnecting_board_is_told_to_resync(server, app_ctx, rep):
    with board(server, rep, headers={"Last-Event-ID": "1700000000000"}) as stream:
        event = stream.next_event()
        assert event.event == "resync"
        realtime.send(realtime.rep_channel(rep.id), "card", "after")
        assert stream.next_event().data == "after"


def test_a_fresh_board_gets_no_resync(server, app_ctx, rep):
    with board(server, rep) as stream:
        realtime.send(realtime.rep_channel(rep.id), "card", "first")
        assert stream.next_event().event == "card"


def test_the_open_board_is_the_reps_presence(server, app_ctx, rep):
    assert not board_presence.board_connected(rep.id)
    with board(server, rep):
        assert board_presence.board_connected(rep.id)
        assert wait_until(lambda: board_presence.board_connected(rep.id))  # kept alive by pings
        seen = board_presence.last_seen(rep.id)
        assert seen is not None
    # The server notices the disconnect at its next ping; the key expires a TTL later.
    assert wait_until(lambda: not board_presence.board_connected(rep.id))
    assert board_presence.last_seen(rep.id) >= seen


def test_an_admin_watching_the_admin_channel_is_not_a_board_presence(server, app_ctx, admin):
    with board(server, admin, channel=realtime.ADMIN_CHANNEL) as stream:
        stream.next_frame()
        assert not board_presence.board_connected(admin.id)


def test_anonymous_and_foreign_streams_are_refused(server, app_ctx, rep, admin):
    with httpx.Client(base_url=server, timeout=WAIT) as client:
        url = f"/events/stream?channel={realtime.rep_channel(rep.id)}"
        assert client.get(url).status_code == 401
        login(client, rep.email, PASSWORD)
        assert client.get(f"/events/stream?channel=rep:{admin.id}").status_code == 403
        assert client.get("/events/stream?channel=admin").status_code == 403


def closes_soon(stream: EventStream, timeout: float = WAIT) -> bool:
    """Whether the server ends the stream within `timeout` (pings keep it open otherwise)."""
    deadline = time.monotonic() + timeout
    return all(time.monotonic() <= deadline for _ in stream.frames)


def test_a_deactivated_reps_open_board_is_closed(server, app_ctx, rep, make_user):
    from liveapp.services.settings import users

    other = make_user(role="rep", email="otto@example.com")
    with board(server, rep) as stream, board(server, other) as others:
        users.set_active(rep, False)
        # Closed at its next ping (0.2 s here), instead of waiting for the read timeout.
        assert closes_soon(stream)
        realtime.send(realtime.rep_channel(other.id), "card", "still here")
        assert others.next_event().data == "still here"  # nobody else's board closes


def test_a_signed_out_reps_open_board_is_closed(server, app_ctx, rep):
    with board(server, rep) as stream, httpx.Client(base_url=server, timeout=WAIT) as phone:
        login(phone, rep.email, PASSWORD)
        token = CSRF_META.search(phone.get("/").text).group(1)
        assert phone.post("/auth/logout", data={"csrf_token": token}).status_code == 303
        assert closes_soon(stream)
