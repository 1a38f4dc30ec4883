"""Load while a part fails: visitors browsing (page views) and a visitor chatting
(messages), each request's answer noted, so a test can check that everything the stack
accepted was kept and that it refused the rest with a clear 503."""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import httpx

from liveapp.services.tracking.visitor_ids import derive


@dataclass
class Answers:
    """What the stack answered: accepted items (page URLs, message bodies) per visitor,
    and every status (or connection error) seen, with the bodies of the refusals."""

    accepted: dict[str, list[str]] = field(default_factory=dict)
    statuses: Counter = field(default_factory=Counter)
    refusals: list[tuple[int, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, key: str, item: str, response: httpx.Response | None, ok: int) -> None:
        with self.lock:
            if response is None:
                self.statuses["connection error"] += 1
                return
            self.statuses[response.status_code] += 1
            if response.status_code == ok:
                self.accepted.setdefault(key, []).append(item)
            elif len(self.refusals) < 200:
                self.refusals.append((response.status_code, response.text[:200]))

    def count(self) -> int:
        with self.lock:
            return sum(len(items) for items in self.accepted.values())


class Load:
    """`browsers` visitors each sending a page view every `every` s; optionally one
    visitor (with an open conversation) posting a message every `every` s."""

    def __init__(self, url: str, site_key: str, secret: str, browsers: int = 4,
                 every: float = 0.1, chat_token: str | None = None) -> None:
        self.url, self.site_key, self.every = url, site_key, every
        self.pages, self.messages = Answers(), Answers()
        self.visitors = [str(uuid.uuid4()) for _ in range(browsers)]  # the cookies' ids
        # The ids the stack stores them under (its SECRET_KEY's internal ids).
        self.internal = {v: derive(secret, v) for v in self.visitors}
        self.chat_token = chat_token
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> Load:
        for visitor_id in self.visitors:
            self._threads.append(threading.Thread(target=self._browse, args=(visitor_id,),
                                                  daemon=True))
        if self.chat_token:
            self._threads.append(threading.Thread(target=self._chat, daemon=True))
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(20)

    def _post(self, client: httpx.Client, path: str, body: dict) -> httpx.Response | None:
        try:
            return client.post(path, json=body)
        except httpx.HTTPError:
            return None

    def _browse(self, visitor_id: str) -> None:
        with httpx.Client(base_url=self.url, headers={"Origin": self.url}, timeout=10) as http:
            for n in itertools.count():
                if self._stop.is_set():
                    return
                page = f"{self.url}/demo-site/load-{n}"
                response = self._post(http, "/t/v1/events", {
                    "site_key": self.site_key, "visitor_id": visitor_id,
                    "type": "page_view", "url": page, "title": f"Load {n}"})
                self.pages.note(visitor_id, page, response, 202)
                time.sleep(self.every)

    def _chat(self) -> None:
        with httpx.Client(base_url=self.url, headers={"Origin": self.url}, timeout=10) as http:
            for n in itertools.count():
                if self._stop.is_set():
                    return
                body = f"message {n}"
                response = self._post(http, "/t/v1/chat/messages",
                                      {"token": self.chat_token, "body": body})
                self.messages.note("chat", body, response, 201)
                time.sleep(self.every)
