"""Who may open which event stream: decided before streaming, with the Flask test client."""

from __future__ import annotations

import contextvars
import time

import pytest
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from liveapp.services.chat import tokens

VISITOR = "0b4f3c1e-9a2d-4c61-8f1e-3d2b7a6c5e90"
OTHER_VISITOR = "5c7e1a2b-3d4f-4a6b-9c8d-0e1f2a3b4c5d"


def _expired_token(app, visitor_id: str) -> str:
    class LongAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - tokens.MAX_AGE - 60

    serializer = URLSafeTimedSerializer(
        app.config["SECRET_KEY"], salt=tokens.SALT, signer=LongAgo
    )
    return serializer.dumps(visitor_id)


def _open(browser, query: str):
    """GET the stream; for a 200, read its first frame and close it. All in one fresh
    context: the streamed generator must be closed in the context it started in."""

    def run():
        response = FlaskClient.open(browser.client, f"/events/stream?{query}", buffered=False)
        first = ""
        if response.status_code == 200:
            first = next(iter(response.response)).decode()
        response.close()
        return response, first

    return contextvars.Context().run(run)


@pytest.fixture
def people(make_user):
    return {
        "rep": make_user(role="rep", email="rita@example.com"),
        "other": make_user(role="rep", email="otto@example.com"),
        "admin": make_user(role="admin", email="ada@example.com"),
    }


def _login(browser, people, who):
    if who != "anonymous":
        assert browser.login(people[who].email).status_code == 303


@pytest.mark.parametrize(
    ("who", "channel", "status"),
    [
        ("anonymous", "rep:{rep}", 401),
        ("anonymous", "admin", 401),
        ("anonymous", "", 401),
        ("rep", "rep:{rep}", 200),
        ("rep", "rep:{other}", 403),
        ("rep", "rep:{admin}", 403),
        ("rep", "admin", 403),
        ("rep", "", 403),
        ("rep", "sse", 403),
        ("rep", "rep:0{rep}", 403),
        ("rep", "visitor:" + VISITOR, 403),
        ("admin", "rep:{admin}", 200),
        ("admin", "admin", 200),
        ("admin", "rep:{rep}", 403),
        # one stream, several channels: every one must be allowed
        ("admin", "rep:{admin}&channel=admin", 200),
        ("rep", "rep:{rep}&channel=admin", 403),
        ("rep", "rep:{rep}&channel=rep:{other}", 403),
        ("anonymous", "rep:{rep}&channel=admin", 401),
        ("admin", "rep:{admin}&channel=admin&channel=admin&channel=admin", 403),
    ],
)
def test_users_may_open_only_their_own_channels(browser, people, who, channel, status):
    _login(browser, people, who)
    channel = channel.format(**{k: u.id for k, u in people.items()})
    response, first = _open(browser, f"channel={channel}")
    assert response.status_code == status
    if status == 200:
        assert first.startswith(":")  # a comment first, so proxies pass the stream on
        assert response.headers["Cache-Control"] == "no-cache"
        assert response.headers["X-Accel-Buffering"] == "no"
        assert response.mimetype == "text/event-stream"
    else:
        assert response.headers.get("Location") is None  # no login redirect for a stream


def test_visitor_with_valid_token_opens_own_conversation(app, browser, app_ctx):
    response, first = _open(
        browser, f"channel=visitor:{VISITOR}&token={tokens.visitor_token(VISITOR)}"
    )
    assert response.status_code == 200
    assert first.startswith(":")


@pytest.mark.parametrize("case", ["forged", "other-visitor", "expired", "missing"])
def test_visitor_with_bad_token_is_refused(app, browser, app_ctx, case):
    token = {
        "forged": "forged." + tokens.visitor_token(VISITOR)[-20:],
        "other-visitor": tokens.visitor_token(OTHER_VISITOR),
        "expired": _expired_token(app, VISITOR),
        "missing": "",
    }[case]
    response, _ = _open(browser, f"channel=visitor:{VISITOR}&token={token}")
    assert response.status_code == 403


def test_visitor_token_opens_no_board(app, browser, app_ctx, people):
    token = tokens.visitor_token(VISITOR)
    response, _ = _open(browser, f"channel=rep:{people['rep'].id}&token={token}")
    assert response.status_code == 401
    response, _ = _open(browser, f"channel=admin&token={token}")
    assert response.status_code == 401


def test_streams_hold_no_database_connection_and_leave_no_listener(app, browser, people):
    from liveapp.extensions import db
    from liveapp.infra.fanout import hub_for

    _login(browser, people, "rep")
    url = f"/events/stream?channel=rep:{people['rep'].id}"
    db.session.close()  # the test's own session holds nothing either
    checked_out = []

    def run():
        response = FlaskClient.open(browser.client, url, buffered=False)
        next(iter(response.response))
        checked_out.append(db.engine.pool.checkedout())
        checked_out.append(hub_for(app).listener_count())
        response.close()

    contextvars.Context().run(run)
    assert checked_out == [0, 1]  # streaming: no connection held, one listener
    assert hub_for(app).listener_count() == 0  # the client went away: listener removed
