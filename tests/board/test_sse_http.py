"""A tracked event, posted over real HTTP, arrives as exactly one card event on the routed
rep's real event stream (gunicorn with the gevent worker), and on nobody else's."""

from __future__ import annotations

import httpx
import pytest

from liveapp.infra import realtime
from liveapp.services.live import card_cache, cards
from tests.board.conftest import PRICING
from tests.factories import PASSWORD
from tests.realtime.server import gunicorn, pipeline, rep_stream, stop
from tests.tracking.conftest import ORIGIN
from tests.visitor_ids import VisitorId

WAIT = 5.0


@pytest.fixture(scope="module")
def server(app, tmp_path_factory):
    log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    proc, base_url = gunicorn(app, {"SSE_PING_INTERVAL": 5.0}, log_path=log)
    processor = pipeline(app, log.with_name("pipeline.log"))
    yield base_url
    stop(processor)
    stop(proc)


def stream_of(server, user):
    return rep_stream(server, user, PASSWORD, WAIT)


def test_a_tracked_event_produces_exactly_the_expected_card_event(
        server, app_ctx, site, visitors, streams, rep_a, rep_b):
    vid = VisitorId()
    visitors.route(vid, rep_a)  # routed before their first page view reaches the server
    with stream_of(server, rep_a) as alice, stream_of(server, rep_b) as bob:
        body = {"site_key": site.site_key, "visitor_id": vid.cookie, "type": "page_view",
                "url": PRICING, "title": "Pricing"}
        response = httpx.post(server + "/t/v1/events", json=body,
                              headers={"Origin": ORIGIN}, timeout=WAIT)
        assert response.status_code == 202
        event = alice.next_event()
        card = cards.card_for(vid)
        column = f"stream-{streams['pricing'].id}"
        assert event.event == "card"
        assert event.data.startswith(f'<header hx-swap-oob="true" id="{column}-head"')
        assert 'hx-swap-oob="delete"' not in event.data  # Alice's board never showed it
        assert event.data.endswith(
            f'<div hx-swap-oob="afterbegin:#{column}-cards">{card_cache.render(card)}</div>')
        # Nothing else came before this marker, and Bob got only the marker.
        for user in (rep_a, rep_b):
            realtime.send(realtime.rep_channel(user.id), "marker", "end")
        assert alice.next_event().data == "end"
        assert bob.next_event().data == "end"
