"""The visitor's own event stream over real HTTP: what the widget on a customer's site
reads (CORS for the sites' origins only), and nothing of anyone else's."""

from __future__ import annotations

import contextlib
import json
import time

import httpx
import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from liveapp.infra import realtime
from liveapp.services.chat import conversations, tokens
from liveapp.services.routing import assignments, router
from tests.factories import PASSWORD
from tests.realtime.server import EventStream, login
from tests.tracking.conftest import ORIGIN, EventsApi
from tests.visitor_ids import VisitorId

WAIT = 5.0


@pytest.fixture
def server(live_server):
    """The app over real HTTP, many threads at once (tests/conftest.py)."""
    return live_server


@pytest.fixture
def events_api(app, app_ctx):
    """The events API of a site whose origin is ORIGIN (it hands out visitor tokens)."""
    from liveapp.services.settings import sites

    site = sites.save_site(None, name="Example", allowed_origins=[ORIGIN])
    return EventsApi(app.test_client(), site.site_key)


@contextlib.contextmanager
def stream(server, channel, token=None, origin=ORIGIN, client=None):
    """The response of an opened stream; for a 200, read past the opening comment."""
    query = f"channel={channel}" + (f"&token={token}" if token is not None else "")
    with contextlib.ExitStack() as stack:
        http = client or stack.enter_context(httpx.Client(base_url=server, timeout=WAIT))
        headers = {"Origin": origin} if origin else {}
        response = stack.enter_context(http.stream("GET", f"/events/stream?{query}",
                                                   headers=headers))
        events = EventStream(response)
        if response.status_code == 200:
            assert events.next_frame().comments[0] == "connected"
        yield response, events


def _visitor(events_api):
    vid = VisitorId()
    token = events_api.send(visitor_id=vid, headers={"Origin": ORIGIN}).get_json()["token"]
    return vid, token


def _expired(app, visitor_id):
    class LongAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - tokens.MAX_AGE - 60

    return URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=tokens.SALT,
                                  signer=LongAgo).dumps(visitor_id)


def test_the_widget_reads_its_own_conversation_cross_origin(server, events_api, rep, app_ctx):
    vid, token = _visitor(events_api)
    other, _ = _visitor(events_api)
    with stream(server, f"visitor:{vid}", token) as (response, events):
        assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
        assert "Access-Control-Allow-Credentials" not in response.headers
        assert "Origin" in response.headers["Vary"]
        # Another visitor's chat first: had it reached this stream, it would come first.
        theirs = conversations.claim(other, rep, "pounce")
        conversations.post(theirs, "rep", "for the other visitor", rep=rep)
        mine = conversations.claim(vid, rep, "pounce")
        conversations.post(mine, "rep", "<b>Hi</b>, I'm Rita", rep=rep)
        opened = events.next_event()
        assert opened.event == "conversation"
        assert json.loads(opened.data) == {"id": mine.id, "rep": "Rita Rep", "status": "open"}
        said = events.next_event()
        assert said.event == "message"
        assert json.loads(said.data)["body"] == "<b>Hi</b>, I'm Rita"
        assert json.loads(said.data)["sender"] == "rep"


def test_an_inbound_request_pushes_its_status(server, events_api, app_ctx):
    vid, token = _visitor(events_api)
    with stream(server, f"visitor:{vid}", token) as (_, events):
        router.request_inbound(vid)
        for outcome in ("offer", "queue", "meeting_booker"):
            assignments.save(vid, assignments.Assignment(
                rule_name="Inbound", mode="round_robin", outcome=outcome, trigger="inbound"))
        statuses = [(e.event, json.loads(e.data)["status"])
                    for e in (events.next_event() for _ in range(3))]
        assert statuses == [("status", "offering"), ("status", "waiting"), ("status", "booker")]


def test_no_cors_for_other_origins_or_boards(server, events_api, rep, app_ctx):
    vid, token = _visitor(events_api)
    with stream(server, f"visitor:{vid}", token, origin="https://evil.example") as (r, _):
        assert r.status_code == 200 and "Access-Control-Allow-Origin" not in r.headers
    with stream(server, f"visitor:{vid}", token, origin=None) as (r, _):
        assert r.status_code == 200 and "Access-Control-Allow-Origin" not in r.headers
    with httpx.Client(base_url=server, timeout=WAIT) as client:
        login(client, rep.email, PASSWORD)
        with stream(server, realtime.rep_channel(rep.id), client=client) as (r, _):
            assert r.status_code == 200 and "Access-Control-Allow-Origin" not in r.headers
        # A rep's board with a visitor token alongside: still no CORS (and refused).
        with stream(server, realtime.rep_channel(rep.id), token, client=client) as (r, _):
            assert "Access-Control-Allow-Origin" not in r.headers


@pytest.mark.parametrize("case", ["forged", "altered", "other-visitor", "expired", "missing"])
def test_bad_tokens_are_refused_over_http(server, events_api, app, app_ctx, case):
    vid, token = _visitor(events_api)
    other, other_token = _visitor(events_api)
    bad = {
        "forged": "forged." + token[-20:],
        "altered": token[:-3] + ("abc" if not token.endswith("abc") else "xyz"),
        "other-visitor": other_token,
        "expired": _expired(app, vid),
        "missing": "",
    }[case]
    with stream(server, f"visitor:{vid}", bad) as (response, _):
        assert response.status_code == 403
        assert "Access-Control-Allow-Origin" not in response.headers
