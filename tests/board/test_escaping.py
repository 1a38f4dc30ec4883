"""Whatever a visitor sends renders inert: on the board, in fragments and in SSE data."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import quote

from liveapp.extensions import db
from liveapp.infra import realtime
from liveapp.models import Visitor
from tests.board.conftest import PRICING

SCRIPT = "<script>alert(1)</script>"
BREAKOUT = "\"><img src=x onerror=alert(2)>"
SINGLE = "' onmouseover='alert(3)"
PAYLOAD = SCRIPT + BREAKOUT + SINGLE


class Tags(HTMLParser):
    """Every start tag with its attributes."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def assert_inert(html: str) -> None:
    parser = Tags()
    parser.feed(html)
    for tag, attrs in parser.tags:
        assert tag != "img", attrs
        if tag == "script":
            assert attrs.get("src", "").startswith("/static/"), attrs
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
    assert SCRIPT not in html and "<img" not in html


def hostile_visitor(visitors, rep):
    url = PRICING + "?q=" + quote(PAYLOAD, safe="<>\"'=()").replace("%20", "+")
    vid = visitors.visit(url, title=PAYLOAD, traits={"name": PAYLOAD})
    visitor = db.session.get(Visitor, vid)
    visitor.company_name, visitor.city = PAYLOAD, PAYLOAD
    db.session.commit()
    visitors.route(vid, rep, rule=PAYLOAD, explanation=PAYLOAD)
    return vid


def test_board_card_and_detail_are_inert(app_ctx, browser, visitors, rep_a):
    vid = hostile_visitor(visitors, rep_a)
    assert browser.login(rep_a.email).status_code == 303
    for path in ("/", "/board/body", f"/board/cards/{vid}", f"/board/visitors/{vid}"):
        html = browser.get(path).get_data(as_text=True)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path
        assert_inert(html)


def test_sse_card_events_are_inert(app_ctx, browser, visitors, record, admin, rep_a):
    recorder = record(realtime.ADMIN_CHANNEL, realtime.rep_channel(rep_a.id))
    vid = hostile_visitor(visitors, rep_a)
    assert browser.login(rep_a.email).status_code == 303
    browser.post(f"/board/visitors/{vid}/viewing")
    visitors.visit(PRICING + "#" + quote(PAYLOAD), visitor_id=vid, title=PAYLOAD + "2")
    events = recorder.take()
    assert {e for _, e, _ in events} >= {"card", "admin-card", f"visitor-{vid}"}
    for _, _, data in events:
        assert_inert(data)


def test_the_cards_why_line_shows_the_explanation_escaped(app_ctx, browser, visitors, rep_a):
    vid = hostile_visitor(visitors, rep_a)
    assert browser.login(rep_a.email).status_code == 303
    html = browser.get(f"/board/cards/{vid}").get_data(as_text=True)
    escaped = ("&lt;script&gt;alert(1)&lt;/script&gt;&#34;&gt;&lt;img src=x "
               "onerror=alert(2)&gt;&#39; onmouseover=&#39;alert(3)")
    assert f'<p class="vc-why">Why: {escaped}</p>' in html
    assert_inert(html)
