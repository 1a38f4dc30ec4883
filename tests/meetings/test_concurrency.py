"""Many visitors booking the same slot at once against a running server: one meeting."""

import threading
from datetime import datetime

import httpx
import pytest
from sqlalchemy import func, select

from liveapp.extensions import db
from liveapp.models import Meeting
from liveapp.services.chat.tokens import verify_visitor_token


@pytest.fixture
def server(live_server):
    """The app over real HTTP, many threads at once (tests/conftest.py)."""
    return live_server


def book_at_once(server: str, bookings: list[tuple[str, str]]) -> list[int]:
    """POST every (token, start) booking at the same moment, each from its own thread and
    connection; their status codes."""
    barrier = threading.Barrier(len(bookings))
    codes: list[int] = []

    def book(token: str, start: str) -> None:
        with httpx.Client(base_url=server, timeout=30) as client:
            barrier.wait(timeout=10)
            response = client.post("/t/v1/chat/meetings", json={"token": token, "start": start})
            codes.append(response.status_code)

    threads = [threading.Thread(target=book, args=booking) for booking in bookings]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return codes


def test_many_visitors_booking_one_slot_get_exactly_one_meeting(server, at_booker, rep,
                                                               app_ctx):
    tokens = [at_booker(rep)[1] for _ in range(8)]
    with httpx.Client(base_url=server, timeout=30) as client:
        slots = client.get("/t/v1/chat/slots", params={"token": tokens[0]}).json()["slots"]
    for start in slots[:3]:  # a few rounds, each a new slot
        codes = book_at_once(server, [(token, start) for token in tokens])
        assert sorted(codes) == [201] + [409] * (len(tokens) - 1), codes
        db.session.expire_all()
        at = datetime.fromisoformat(start.replace("Z", ""))
        [winner] = db.session.scalars(select(Meeting.visitor_id).where(Meeting.starts_at == at))
        tokens = [t for t in tokens if not _is(t, winner)]  # each visitor books once
    assert db.session.scalar(select(func.count()).select_from(Meeting)) == 3


def _is(token, visitor_id):
    return verify_visitor_token(token) == visitor_id


def test_one_visitor_booking_several_slots_at_once_gets_one_meeting(server, at_booker, rep,
                                                                    app_ctx):
    _, token = at_booker(rep)
    with httpx.Client(base_url=server, timeout=30) as client:
        slots = client.get("/t/v1/chat/slots", params={"token": token}).json()["slots"]
    for _ in range(3):  # rounds: a fresh visitor each time
        codes = book_at_once(server, [(token, start) for start in slots[:6]])
        assert sorted(codes) == [201] + [409] * 5, codes
        vid = verify_visitor_token(token)
        db.session.expire_all()
        assert db.session.scalar(select(func.count()).select_from(Meeting).where(
            Meeting.visitor_id == vid)) == 1
        _, token = at_booker(rep)
        slots = slots[6:]
