"""The issue's test: Round Robin offers time out one by one through a real RQ worker, the
visitor gets the meeting booker with the first offered rep's free slots, books one, and
that rep (and only that rep) sees the meeting."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from liveapp.extensions import db
from liveapp.models import Meeting
from liveapp.services.chat.tokens import visitor_token
from liveapp.services.routing import assignments
from tests.clock import at_each_instant
from tests.conftest import Browser
from tests.routing_jobs.conftest import (  # noqa: F401  (fixtures)
    job_app,
    make_rep,
    make_rule,
    run_scheduled,
    three_reps,
    visit,
    work,
)

TOKYO = ZoneInfo("Asia/Tokyo")
TOKYO_MORNING = [[["10:00", "12:00"]]] * 7
TOKYO_MORNING_STARTS = (time(10), time(10, 30), time(11), time(11, 30))


def tokyo_morning_slots(now: datetime) -> list[datetime]:
    """The booker's slots in Ann's Tokyo mornings as seen at `now`: not within the hour,
    not past five days."""
    today = now.astimezone(TOKYO).date()
    starts = (datetime.combine(today + timedelta(days=d), t, TOKYO)
              for d in range(7) for t in TOKYO_MORNING_STARTS)
    return sorted(s for s in starts if now + timedelta(hours=1) <= s < now + timedelta(days=5))


@at_each_instant

def test_all_offers_time_out_then_the_visitor_books_the_first_reps_time(
        job_app, visit, three_reps, make_rule, widget, app, inbound_flow):  # noqa: F811
    ann, bob, cy = three_reps
    make_rule(three_reps, distribution="round_robin", offer_timeout_seconds=20)
    vid = visit()
    token = visitor_token(vid)
    assert widget.client.post("/t/v1/chat/request", json={"token": token}).status_code == 202
    work()
    assert assignments.get(vid).offered_to == [ann.id]
    assert widget.slots(token).status_code == 409  # a rep may still answer
    for _ in range(3):  # Ann, Bob, Cy let their offers run out
        assert len(run_scheduled()) == 1
        work()
    assert assignments.get(vid).outcome == "meeting_booker"

    # Ann's calendar (she was offered first), read in her zone.
    ann.time_zone, ann.working_hours = "Asia/Tokyo", TOKYO_MORNING
    db.session.commit()
    before = datetime.now(UTC)
    body = widget.slots(token).get_json()
    after = datetime.now(UTC)
    assert body["rep"] == "Ann" and body["time_zone"] == "Asia/Tokyo"
    starts = [datetime.fromisoformat(s) for s in body["slots"]]
    # Four a day for five days, less what starts within the hour, whatever the hour.
    assert starts in (tokyo_morning_slots(before), tokyo_morning_slots(after))
    assert 16 <= len(starts) <= 20

    booked = widget.book(token, start=body["slots"][0], email="visitor@example.com")
    assert booked.status_code == 201 and booked.get_json()["meeting"]["rep"] == "Ann"
    db.session.expire_all()
    [meeting] = db.session.query(Meeting).all()
    assert (meeting.visitor_id, meeting.rep_id) == (vid, ann.id)

    pages = {}
    for rep in (ann, bob):
        browser = Browser(app.test_client())
        assert browser.login(rep.email).status_code == 303
        pages[rep.name] = browser.get("/meetings/").get_data(as_text=True)
        if rep is ann:
            detail = browser.get(f"/board/visitors/{vid}")
            assert detail.status_code == 200
            assert "Meeting booked:" in detail.get_data(as_text=True)
    assert f"/board/visitors/{vid}" in pages["Ann"] and "visitor@example.com" in pages["Ann"]
    when = starts[0].astimezone(TOKYO)
    assert f"{when:%a %d %b %H:%M}<" in pages["Ann"]  # her wall clock,
    assert "Times in Asia/Tokyo" in pages["Ann"]  # named once, in the table's caption
    assert f"/board/visitors/{vid}" not in pages["Bob"]
    assert "No upcoming meetings." in pages["Bob"]
