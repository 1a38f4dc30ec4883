"""The widget's meeting booker API: slots, booking, refusals that write nothing, CORS."""

import json
from datetime import datetime, timedelta

from sqlalchemy import func, select

from liveapp.extensions import db, redis
from liveapp.infra import realtime
from liveapp.models import Meeting, Visitor
from liveapp.services.chat.tokens import visitor_token
from liveapp.services.tracking import timeline
from tests.clock import at_each_instant
from tests.tracking.conftest import ORIGIN

pytestmark = at_each_instant  # reads the wall clock: see tests/clock.py


def meetings_booked() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Meeting))


def first_slot(widget, token) -> str:
    return widget.slots(token).get_json()["slots"][0]


def test_the_booker_shows_the_first_offered_reps_free_slots(widget, at_booker, rep, app_ctx):
    rep.time_zone = "Europe/Paris"
    db.session.commit()
    _, token = at_booker(rep)
    response = widget.slots(token)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    body = response.get_json()
    assert body["rep"] == "Rita Rep" and body["time_zone"] == "Europe/Paris"
    assert body["meeting"] is None
    assert len(body["slots"]) >= 16  # five days hold at least three working days
    starts = [datetime.fromisoformat(s) for s in body["slots"]]
    assert all(s.endswith("Z") for s in body["slots"]) and starts == sorted(starts)


def test_booking_stores_one_meeting_identifies_and_tells_everyone(widget, at_booker, rep,
                                                                app_ctx):
    vid, token = at_booker(rep)
    start = first_slot(widget, token)
    listener = redis.client.pubsub()
    listener.subscribe(realtime.redis_channel(realtime.visitor_channel(vid)))
    listener.get_message(timeout=1)  # the subscription's confirmation
    response = widget.book(token, start=start, email=" Vi@Example.com ", note="Pricing")
    assert response.status_code == 201
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    booked = response.get_json()["meeting"]
    assert booked["start"] == start and booked["rep"] == "Rita Rep"
    assert datetime.fromisoformat(booked["end"]) - datetime.fromisoformat(start) == timedelta(
        minutes=30)
    assert meetings_booked() == 1
    meeting = db.session.scalar(select(Meeting))
    assert (meeting.visitor_id, meeting.rep_id, meeting.status) == (vid, rep.id, "booked")
    assert (meeting.email, meeting.note) == ("vi@example.com", "Pricing")
    visitor = db.session.get(Visitor, vid)
    assert (visitor.email, visitor.email_source) == ("vi@example.com", "meeting")
    pushed = listener.get_message(timeout=2)
    assert pushed is not None and json.loads(json.loads(pushed["data"])["data"]) == booked
    assert json.loads(pushed["data"])["type"] == "meeting"
    assert any(e.kind == "meeting" and "Rita Rep" in e.text for e in timeline.entries(vid))
    again = widget.slots(token).get_json()
    assert start not in again["slots"] and again["meeting"] == booked
    listener.close()


def test_a_known_visitors_email_stays(widget, at_booker, rep, app_ctx):
    vid, token = at_booker(rep)
    visitor = db.session.get(Visitor, vid)
    visitor.email = "known@example.com"
    db.session.commit()
    response = widget.book(token, start=first_slot(widget, token), email="other@example.com")
    assert response.status_code == 201
    db.session.expire_all()
    assert db.session.get(Visitor, vid).email == "known@example.com"
    assert db.session.scalar(select(Meeting.email)) == "other@example.com"


def test_bad_tokens_are_refused(widget, at_booker, rep, app_ctx):
    _, token = at_booker(rep)
    start = first_slot(widget, token)
    for bad in ("forged", token[:-3] + "abc", visitor_token("no-such-visitor")):
        assert widget.slots(bad).status_code == 403
        response = widget.book(bad, start=start)
        assert response.status_code == 403
        assert response.get_json() == {"error": "token: not valid"}
    assert meetings_booked() == 0


def test_not_offered_unless_the_request_ended_at_the_booker(widget, at_booker, rep, app_ctx):
    _, token = at_booker(rep, outcome="queue")
    response = widget.slots(token)
    assert response.status_code == 409
    assert response.get_json() == {"error": "booker: not offered"}
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    start = (datetime.utcnow() + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    booked = widget.book(token, start=start.isoformat() + "Z")
    assert booked.status_code == 409 and booked.get_json() == {"error": "booker: not offered"}
    assert meetings_booked() == 0


def test_bad_input_names_the_field_and_writes_nothing(widget, at_booker, rep, app_ctx):
    vid, token = at_booker(rep)
    start = first_slot(widget, token)
    off_grid = (datetime.fromisoformat(start) + timedelta(minutes=15)).isoformat()
    cases = [
        ({"start": off_grid}, "start: not a free time"),
        ({"start": "2001-01-01T10:00:00Z"}, "start: not a free time"),
        ({"start": "next tuesday"}, "start: give a time such as 2026-12-02T14:00:00Z"),
        ({"start": 1764684000}, "start: give a time such as 2026-12-02T14:00:00Z"),
        ({}, "start: give a time such as 2026-12-02T14:00:00Z"),
        ({"start": start, "email": "not an email"}, "email: is not a valid email address"),
        ({"start": start, "email": ["a@b.co"]}, "email: is not a valid email address"),
        ({"start": start, "note": "x" * 501}, "note: must be at most 500 characters"),
        ({"start": start, "note": {"x": 1}}, "note: must be text"),
    ]
    for fields, error in cases:
        response = widget.book(token, **fields)
        assert (response.status_code, response.get_json()) == (400, {"error": error}), fields
    assert widget.client.post("/t/v1/chat/meetings", data="[1]",
                              content_type="application/json").status_code == 400
    assert meetings_booked() == 0
    assert db.session.get(Visitor, vid).email is None


def test_a_taken_slot_is_409_and_a_visitor_books_once(widget, at_booker, rep, app_ctx):
    _, first = at_booker(rep)
    _, second = at_booker(rep)
    start = first_slot(widget, first)
    assert widget.book(first, start=start).status_code == 201
    taken = widget.book(second, start=start)
    assert taken.status_code == 409
    assert taken.get_json() == {"error": "start: that time was just taken"}
    later = widget.slots(first).get_json()["slots"][1]
    twice = widget.book(first, start=later)
    assert twice.status_code == 409
    assert twice.get_json() == {"error": "meeting: you already booked one"}
    assert meetings_booked() == 1


def test_preflight_for_the_booker_endpoints(widget, site):
    for path in ("/t/v1/chat/slots", "/t/v1/chat/meetings"):
        allowed = widget.client.options(path, headers={"Origin": ORIGIN})
        assert allowed.status_code == 204
        assert allowed.headers["Access-Control-Allow-Origin"] == ORIGIN
        other = widget.client.options(path, headers={"Origin": "https://evil.example"})
        assert other.status_code == 403


def test_the_database_refuses_a_double_booking_the_check_missed(widget, at_booker, rep,
                                                                monkeypatch, app_ctx):
    from liveapp.services.chat import meetings

    _, first = at_booker(rep)
    second_vid, second = at_booker(rep)
    stale = [datetime.fromisoformat(s[:-1]) for s in widget.slots(first).get_json()["slots"]]
    assert widget.book(first, start=meetings.iso(stale[0])).status_code == 201
    # The second booking read the slots before the first committed: only the unique
    # index stands between them.
    monkeypatch.setattr(meetings, "free_slots", lambda rep, now=None: stale)
    raced = widget.book(second, start=meetings.iso(stale[0]), email="late@example.com")
    assert raced.status_code == 409
    assert raced.get_json() == {"error": "start: that time was just taken"}
    assert meetings_booked() == 1
    assert db.session.get(Visitor, second_vid).email is None  # identify rolled back too


def test_the_rep_gets_a_notice_on_their_open_board_escaped(widget, at_booker, rep, app_ctx):
    vid, token = at_booker(rep)
    visitor = db.session.get(Visitor, vid)
    visitor.name = "<b>Vi</b>"
    db.session.commit()
    listener = redis.client.pubsub()
    listener.subscribe(realtime.redis_channel(realtime.rep_channel(rep.id)))
    listener.get_message(timeout=1)
    assert widget.book(token, start=first_slot(widget, token)).status_code == 201
    meeting = db.session.scalar(select(Meeting))
    frames = []
    while (message := listener.get_message(timeout=1)) is not None:
        frames.append(json.loads(message["data"]))
    listener.close()
    [notice] = [f for f in frames if f["type"] == "offer"]
    html = notice["data"]
    assert 'hx-swap-oob="afterbegin:#offers-list"' in html
    assert f'id="meeting-notice-{meeting.id}"' in html and "Meeting booked" in html
    assert "&lt;b&gt;Vi&lt;/b&gt;" in html and "<b>Vi</b>" not in html
    assert f"/board/visitors/{vid}" in html
