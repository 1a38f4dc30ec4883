"""The people of a scenario, driving the started stack over HTTP as they would.

- `Visitor`: the site snippet's events (`/t/v1/events`: page views, heartbeats every
  15 s, identify, leave) from the demo site's origin and a company's address, and the
  chat widget's API (`/t/v1/chat`: read, answer, request).
- `Rep`: signs in through the login form, keeps their board's event stream open (so
  routing counts them online) and records what arrives on it; reads their board, their
  accept prompts and a visitor's card as the board fetches them; accepts or declines.
- `WidgetVisitor`: a visitor in chromium, with the real snippet and chat widget.

The admin (a rep with Settings) is in `settings.py`.

Waiting is `eventually(...)` / `holds(...)`: a condition polled against a deadline.
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from html import unescape
from typing import Any, TypeVar
from urllib.parse import urlencode

import httpx

from liveapp import simulated_clients
from liveapp.demo.seeding import DEMO_PASSWORD
from liveapp.demo.simulator import HEARTBEAT_SECONDS
from tests.realtime.server import CSRF_META, Frame, login, parse_frames

# The stack's web honours addresses signed with this key, as the demo's does.
SIMULATOR_KEY = "scenario-simulator-key"

T = TypeVar("T")
POLL = 0.25


# ------------------------------------------------------------------ waiting


def stranger() -> str:
    """An email no CRM and no company list knows."""
    return f"pat.{uuid.uuid4().hex[:8]}@scenario-{uuid.uuid4().hex[:6]}.example"


def eventually(check: Callable[[], T], timeout: float = 15.0, what: str = "condition",
               interval: float = POLL, show: Callable[[], Any] | None = None) -> T:
    """Poll `check` until it returns something truthy (returned); fail at the deadline
    with its last value, or with what `show` returns then (what the person saw)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            seen = show() if show is not None else value
            raise AssertionError(f"{what}: not within {timeout} s (last: {seen!r})")
        time.sleep(interval)


def holds(check: Callable[[], Any], seconds: float, what: str = "condition",
          interval: float = 1.0, during: Callable[[], None] | None = None,
          show: Callable[[], Any] | None = None) -> None:
    """`check` stays truthy for `seconds` (polled every `interval`; `during` runs at
    each poll, e.g. the visitor browsing on); fail at the first poll where it is not,
    with its value or what `show` returns then."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if not value:
            seen = show() if show is not None else value
            raise AssertionError(f"{what}: stopped holding after "
                                 f"{seconds - (deadline - time.monotonic()):.0f} s ({seen!r})")
        if during is not None:
            during()
        time.sleep(interval)


# ------------------------------------------------------------------ visitors


class Visitor:
    """One visitor on the demo site, sending what the snippet and the widget send."""

    def __init__(self, base_url: str, site_key: str, ip: str | None = None) -> None:
        self.base_url = base_url
        self.site_key = site_key
        self.cookie = str(uuid.uuid4())  # the snippet's: only this visitor knows it
        self.id: str | None = None  # what reps see, once the server told the widget
        self.token: str | None = None
        self.url = f"{base_url}/demo-site/"
        headers = {"Origin": base_url}
        if ip:  # the company's address for reverse IP, signed as the demo's simulator does
            headers[simulated_clients.HEADER] = simulated_clients.signed(SIMULATOR_KEY, ip)
        self.http = httpx.Client(base_url=base_url, headers=headers, timeout=10)
        self._beating: threading.Thread | None = None
        self._stop = threading.Event()

    # -- the snippet
    def send(self, kind: str, **fields: Any) -> dict:
        body = {"site_key": self.site_key, "visitor_id": self.cookie, "type": kind,
                "url": self.url, **fields}
        response = self.http.post("/t/v1/events", json=body)
        assert response.status_code == 202, (kind, response.status_code, response.text)
        data = response.json()
        if self.token is None:
            self.token = data["token"]
            # The widget's channel names the visitor as reps see it (the internal id).
            self.id = self.chat()["channel"].removeprefix("visitor:")
        return data

    def page_view(self, path: str = "", title: str = "", query: dict | None = None,
                  referrer: str = "") -> None:
        """A page of the demo site (`path` under /demo-site/), as the snippet reports it."""
        self.url = f"{self.base_url}/demo-site/{path}" + (f"?{urlencode(query)}" if query else "")
        self.send("page_view", title=title or path.title() or "Home", referrer=referrer)

    def heartbeat(self, active: bool = True) -> None:
        self.send("heartbeat", active=active)

    def identify(self, email: str, **traits: str) -> None:
        self.send("identify", email=email, traits=traits)

    def leave(self) -> None:
        self.stop_heartbeats()
        self.send("leave")

    def start_heartbeats(self, every: float = HEARTBEAT_SECONDS) -> None:
        """Heartbeats in the background, as an open tab sends them (every 15 s)."""
        def beat() -> None:
            while not self._stop.wait(every):
                self.heartbeat()

        self._stop.clear()
        self._beating = threading.Thread(target=beat, daemon=True, name=f"visitor-{self.cookie}")
        self._beating.start()

    def stop_heartbeats(self) -> None:
        self._stop.set()
        if self._beating is not None:
            self._beating.join(timeout=15)
            self._beating = None

    def close(self) -> None:
        self.stop_heartbeats()
        self.http.close()

    # -- the chat widget
    def chat(self) -> dict:
        """What the widget reads: conversation, status, experience and answers."""
        response = self.http.get("/t/v1/chat", params={"token": self.token})
        assert response.status_code == 200, response.text
        return response.json()

    def widget_status(self) -> str:
        return self.chat()["status"]

    def answer(self, step: int, value: str) -> httpx.Response:
        return self.http.post("/t/v1/chat/answer",
                              json={"token": self.token, "step": step, "value": value})

    def answer_step(self, step_type: str, value: str, question: str | None = None) -> None:
        """Answer the flow's first step of that type (and question), as the widget does."""
        steps = self.chat()["experience"]["steps"]
        index = next(i for i, s in enumerate(steps) if s["type"] == step_type
                     and (question is None or s.get("question") == question))
        response = self.answer(index, value)
        assert response.status_code == 200, response.text

    def request_chat(self) -> httpx.Response:
        return self.http.post("/t/v1/chat/request", json={"token": self.token})

    def asks_for_a_rep(self, email: str) -> None:
        """Through the pricing flow, as the widget does: "Talk to sales", their email,
        then the request for a rep (the page view must have placed the experience)."""
        eventually(lambda: self.chat()["experience"], 15, "the pricing experience")
        self.answer_step("buttons", "Talk to sales")
        self.answer_step("question", email, "email")
        response = self.request_chat()
        assert response.status_code == 202, response.text


# ------------------------------------------------------------------ reps and admins


@dataclass
class Received:
    """A live event as it reached the board, and when."""

    at: float
    frame: Frame


class Rep:
    """A rep at their desk: signed in, their board's event stream open."""

    def __init__(self, base_url: str, email: str, name: str,
                 password: str = DEMO_PASSWORD) -> None:
        self.email = email
        self.name = name
        self.http = httpx.Client(base_url=base_url, timeout=10)
        login(self.http, email, password)
        board = self.page("/")
        self.csrf = CSRF_META.search(board).group(1)
        self.stream_url = unescape(re.search(r'sse-connect="([^"]+)"', board).group(1))
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._open = threading.Event()
        self._reader: threading.Thread | None = None
        self._socket: socket.socket | None = None

    # -- the board's event stream
    def open_board(self) -> None:
        """Open the board's stream (what makes routing count this rep online)."""
        self._reader = threading.Thread(target=self._read, daemon=True,
                                        name=f"board-{self.email}")
        self._reader.start()
        assert self._open.wait(10), f"{self.email}'s board stream did not open"

    def _read(self) -> None:
        try:
            with self.http.stream("GET", self.stream_url, timeout=httpx.Timeout(10, read=60)) \
                    as response:
                assert response.status_code == 200
                self._socket = response.extensions["network_stream"].get_extra_info("socket")
                self._open.set()
                for frame in parse_frames(response.iter_lines()):
                    if frame.is_event:
                        with self._lock:
                            self.received.append(Received(time.monotonic(), frame))
        except (httpx.HTTPError, RuntimeError, OSError):
            pass  # closed at the end of the scenario

    def events(self, name: str | None = None, mentioning: str | None = None) -> list[Frame]:
        """Live events received so far, by event name and/or text they contain."""
        with self._lock:
            frames = [r.frame for r in self.received]
        return [f for f in frames if (name is None or f.event == name)
                and (mentioning is None or mentioning in f.data)]

    def close(self) -> None:
        """Close the board (its stream ends, as when the tab closes) and sign off."""
        if self._socket is not None:  # wakes the reader blocked on the stream
            with contextlib.suppress(OSError):
                self._socket.shutdown(socket.SHUT_RDWR)
        if self._reader is not None:
            self._reader.join(timeout=5)
        self.http.close()

    # -- what the board shows (as it fetches it after a reconnect)
    def page(self, path: str) -> str:
        response = self.http.get(path)
        assert response.status_code == 200, (path, response.status_code, response.text)
        return response.text

    def board(self) -> str:
        return self.page("/board/body")

    def has_card(self, visitor: Visitor | WidgetVisitor) -> bool:
        return f'id="visitor-{visitor.id}"' in self.board()

    def card(self, visitor: Visitor | WidgetVisitor) -> str | None:
        """The visitor's card as this rep may see it; None when they may not (404)."""
        response = self.http.get(f"/board/cards/{visitor.id}")
        if response.status_code == 404:
            return None
        assert response.status_code == 200, response.text
        return response.text

    def prompts(self) -> str:
        return self.page("/offers/")

    def has_prompt(self, visitor: Visitor | WidgetVisitor) -> bool:
        return f'id="offer-{visitor.id}"' in self.prompts()

    # -- acting
    def post(self, path: str, data: dict | None = None) -> httpx.Response:
        """A POST as htmx sends it from the board (CSRF token in the header)."""
        return self.http.post(path, data=data or {},
                              headers={"X-CSRFToken": self.csrf, "HX-Request": "true"})

    def accept(self, visitor: Visitor) -> httpx.Response:
        return self.post(f"/conversations/claim/{visitor.id}", {"origin": "inbound"})

    def decline(self, visitor: Visitor) -> httpx.Response:
        return self.post(f"/offers/{visitor.id}/decline")


@dataclass(frozen=True)
class Routing:
    """A card's routing line as reps read it: rule, mode, to whom, its short reason, and
    why."""

    rule: str
    line: str
    explanation: str
    reason: str = ""


def routing_of(card: str | None) -> Routing | None:
    """The routing line of a card's HTML (None: no card, or not routed yet)."""
    if card is None:
        return None
    found = re.search(r'<p class="vc-routing"><b>([^<]*)</b>(.*?)</p>', card, re.S)
    if found is None:
        return None
    rest, reason = found.group(2), ""
    chip = re.search(r'\s*<span class="vc-reason"[^>]*>(.*?)</span>', rest, re.S)
    if chip:
        rest, reason = rest[:chip.start()] + rest[chip.end():], unescape(chip.group(1))
    line = unescape(re.sub(r"<[^>]+>", "", found.group(1) + rest))
    why = re.search(r'<p class="vc-why">Why: (.*?)</p>', card, re.S)
    return Routing(unescape(found.group(1)), line, unescape(why.group(1)) if why else "",
                   reason)


class WidgetVisitor:
    """A visitor in chromium on the demo site: the real snippet and chat widget."""

    LIVE = "() => window.liveapp && window.liveapp.chat && window.liveapp.chat.live === true"

    def __init__(self, page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url

    def open(self, path: str, query: dict | None = None) -> None:
        """Load a demo site page and open the chat widget once it is live."""
        self.page.goto(f"{self.base_url}/demo-site/{path}"
                       + (f"?{urlencode(query)}" if query else ""))
        self.page.wait_for_function(self.LIVE)
        self.page.click(".lvw-launcher")

    @property
    def id(self) -> str:
        """The visitor as reps see it: the widget's channel names it (the page's cookie
        holds another id, which only this browser knows)."""
        channel = self.page.evaluate("window.liveapp.chat.channel")
        return channel.removeprefix("visitor:")

    @property
    def token(self) -> str:
        return self.page.evaluate("window.liveapp.token")

    def choose(self, label: str) -> None:
        self.page.click(f".lvw-choice >> text={label}")
        self.page.wait_for_selector(f".lvw-visitor >> text={label}")

    def answer(self, text: str) -> None:
        self.page.fill(".lvw-question input", text)
        self.page.click(".lvw-question button")

    def shows(self, selector: str) -> bool:
        return self.page.locator(selector).count() > 0
