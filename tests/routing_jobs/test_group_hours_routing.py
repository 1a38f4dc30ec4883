"""Routing with groups' business hours, through a real RQ worker: a closed group is
unavailable (the explanation and the card say so, the widget offers the offline message
and the booker at once); the same group open routes normally. Then the offline message:
validation that writes nothing, who reads it, escaping, the visitor's timeline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from liveapp.domain.routing.reasons import card_reason
from liveapp.extensions import db
from liveapp.models import OfflineMessage
from liveapp.services.chat import chat_flow
from liveapp.services.routing import assignments, router
from tests.clock import at_each_instant
from tests.conftest import Browser
from tests.factories import GroupFactory
from tests.routing_jobs.conftest import work
from tests.tracking.conftest import ORIGIN
from tests.visitor_ids import VisitorId

ALL_DAY = [[["00:00", "24:00"]]] * 7


@pytest.fixture
def sales(app_ctx, make_rep, make_rule):
    """Ann in group Sales EMEA (hours all day, UTC), a rule routing inbound to it (queue
    when nobody), and Bob, a rep outside the group."""
    ann = make_rep(name="Ann", email="ann@example.com")
    bob = make_rep(name="Bob", email="bob@example.com")
    group = GroupFactory(name="Sales EMEA", time_zone="UTC", business_hours=ALL_DAY,
                         members=[ann])
    rule = make_rule([], when_nobody="queue")
    rule.route_to_groups = [group]
    db.session.commit()
    return group, ann, bob


def close_for_two_days(group) -> str:
    """Holidays today and tomorrow (UTC): closed; returns the weekday it opens."""
    today = datetime.now(UTC).date()
    group.holidays = [str(today), str(today + timedelta(days=1))]
    db.session.commit()
    return f"{today + timedelta(days=2):%a}"


def ask(api) -> tuple[str, str]:
    vid = VisitorId()
    token = api.send(visitor_id=vid).get_json()["token"]
    router.request_inbound(vid)
    work()
    return vid, token


def leave(app, token, **fields):
    return app.test_client().post("/t/v1/chat/offline", json={"token": token, **fields},
                                  headers={"Origin": ORIGIN})


def offline_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(OfflineMessage))


@at_each_instant  # the group's holidays are the clock's today and tomorrow
def test_a_closed_group_is_unavailable_and_the_widget_offers_a_message(job_app, api, sales):
    group, ann, _ = sales
    opens = close_for_two_days(group)
    vid, token = ask(api)
    current = assignments.get(vid)
    assert current.outcome == "queue"
    assert f"Sales EMEA closed (opens {opens} 00:00 UTC)" in current.explanation
    assert current.closed == [f"Sales EMEA closed (opens {opens} 00:00 UTC)"]
    assert current.named == [ann.id] and current.offered_to == []
    assert card_reason(current.reason, current.outcome) == "Sales EMEA closed"
    assert chat_flow.status_of(vid) == "offline"
    state = job_app.test_client().get(f"/t/v1/chat?token={token}").get_json()
    assert state["status"] == "offline"
    slots = job_app.test_client().get(f"/t/v1/chat/slots?token={token}")
    assert slots.status_code == 200 and slots.get_json()["rep"] == "Ann"


@at_each_instant
def test_the_same_group_open_routes_normally(job_app, api, sales):
    _, ann, _ = sales
    vid, _ = ask(api)
    current = assignments.get(vid)
    assert (current.outcome, current.offered_to, current.closed) == ("offer", [ann.id], [])
    assert chat_flow.status_of(vid) == "offering"


def test_bad_offline_messages_are_refused_and_write_nothing(job_app, api, sales):
    close_for_two_days(sales[0])
    _, token = ask(api)
    cases = [
        ({"email": "not-an-email", "body": "Hi"}, "email: is not a valid email address"),
        ({"email": "vi@example.com", "body": "   "}, "body: write a message"),
        ({"email": "vi@example.com", "body": "x" * 2001}, "body: at most 2000 characters"),
        ({"email": ["vi@example.com"], "body": "Hi"}, "email: is not a valid email address"),
    ]
    for fields, error in cases:
        response = leave(job_app, token, **fields)
        assert (response.status_code, response.get_json()["error"]) == (400, error)
    assert leave(job_app, "forged", email="vi@example.com", body="Hi").status_code == 403
    assert offline_count() == 0


def test_offline_messages_are_rate_limited(job_app, api, sales):
    close_for_two_days(sales[0])
    _, token = ask(api)
    statuses = [leave(job_app, token, email="vi@example.com", body=f"Hi {n}").status_code
                for n in range(6)]
    assert statuses == [201] * 5 + [429]
    assert offline_count() == 5


def test_the_routed_rep_and_admins_read_it_escaped_another_rep_does_not(
        job_app, api, sales, admin):
    _, ann, bob = sales
    close_for_two_days(sales[0])
    vid, token = ask(api)
    response = leave(job_app, token, email=" Vi@Example.com ",
                     body="<script>alert(1)</script> call me")
    assert response.status_code == 201
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    message = db.session.scalar(select(OfflineMessage))
    assert (message.email, [r.id for r in message.reps]) == ("vi@example.com", [ann.id])
    assert message.why.startswith("Sales EMEA closed (opens ")
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt; call me"
    for user in (ann, admin):
        reader = Browser(job_app.test_client())
        assert reader.login(user.email).status_code == 303
        page = reader.get("/conversations/").get_data(as_text=True)
        assert escaped in page and "<script>alert(1)" not in page
        assert "vi@example.com" in page
        visitor_page = reader.get(f"/board/visitors/{vid}")
        assert visitor_page.status_code == 200, user.email
        assert escaped in visitor_page.get_data(as_text=True)
    other = Browser(job_app.test_client())
    assert other.login(bob.email).status_code == 303
    assert "call me" not in other.get("/conversations/").get_data(as_text=True)
    assert other.get(f"/board/visitors/{vid}").status_code == 404
