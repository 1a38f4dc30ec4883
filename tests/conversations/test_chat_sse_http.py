"""A visitor's message, posted over real HTTP to the widget API, reaches the owning rep's
real event stream as an append to the chat panel, and never another rep's stream."""

from __future__ import annotations

import httpx

from liveapp.infra import realtime
from liveapp.services.chat import conversations
from liveapp.services.live import boards, viewers

# The gunicorn server (module-scoped) and a rep's stream, as the board's SSE tests use them.
from tests.board.test_sse_http import WAIT, server, stream_of  # noqa: F401,F811
from tests.conversations.test_claiming import routed
from tests.realtime.server import EventStream
from tests.tracking.conftest import ORIGIN


def until_marker(stream: EventStream) -> list:
    events = []
    while (event := stream.next_event()).event != "marker":
        events.append(event)
    return events


def test_a_visitors_message_reaches_the_owners_detail_only(server, api, rep,  # noqa: F811
                                                          make_user, app_ctx):
    otto = make_user(name="Otto Other", email="otto@example.com")
    vid = routed(api, rep, otto)
    token = api.send(visitor_id=vid).get_json()["token"]
    conversation = conversations.claim(vid, rep, "pounce")
    viewers.mark(vid, otto.id)  # Otto has the visitor's detail open too
    with stream_of(server, rep) as rita, stream_of(server, otto) as bob:
        sent = httpx.post(f"{server}/t/v1/chat/messages", timeout=WAIT,
                          json={"token": token, "body": "<i>Pricing</i> for 40 seats?"},
                          headers={"Origin": ORIGIN})
        assert sent.status_code == 201, sent.text
        for user in (rep, otto):
            realtime.send(realtime.rep_channel(user.id), "marker", "end")
        appended = [e for e in until_marker(rita) if e.event == boards.detail_event(vid)
                    and f"#chat-messages-{conversation.id}" in e.data]
        assert len(appended) == 1
        assert f'<li id="message-{sent.json()["id"]}" class="message message-visitor">' in (
            appended[0].data)
        assert "&lt;i&gt;Pricing&lt;/i&gt; for 40 seats?" in appended[0].data
        assert all("chat-messages-" not in e.data for e in until_marker(bob))
