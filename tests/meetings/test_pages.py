"""Reps see the meetings booked with them (admins all), in their own time zone, and the
booked meeting on the visitor detail."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from liveapp.extensions import db
from liveapp.models import Meeting, Visitor
from liveapp.services.routing import assignments
from tests.clock import at_each_instant
from tests.conftest import Browser

pytestmark = at_each_instant  # reads the wall clock: see tests/clock.py


def book(widget, at_booker, rep, **fields):
    vid, token = at_booker(rep)
    start = widget.slots(token).get_json()["slots"][0]
    assert widget.book(token, start=start, **fields).status_code == 201
    return vid, datetime.fromisoformat(start.replace("Z", "+00:00"))


def test_a_rep_sees_their_meetings_in_their_zone(widget, at_booker, as_rep, rep, make_user,
                                                 app_ctx):
    rep.time_zone = "America/New_York"
    other = make_user(name="Otto Other", email="otto@example.com")
    db.session.commit()
    vid, start = book(widget, at_booker, rep, email="vi@example.com", note="<b>pricing</b>")
    theirs, _ = book(widget, at_booker, other)
    visitor = db.session.get(Visitor, vid)
    visitor.company_name = "Acme Corp"
    db.session.commit()
    page = as_rep.get("/meetings/").get_data(as_text=True)
    local = start.astimezone(ZoneInfo("America/New_York"))
    assert "Times in America/New_York</caption>" in page
    assert f">{local:%a %d %b %H:%M}</time>" in page
    assert "Acme Corp" in page and "vi@example.com" in page
    assert "&lt;b&gt;pricing&lt;/b&gt;" in page and "<b>pricing" not in page
    assert f"/board/visitors/{vid}" in page and theirs not in page
    assert 'href="/meetings/"' in page  # in the header nav
    # Routing is forgotten after a day; the rep still opens the visitor they meet.
    assignments.clear(vid)
    detail = as_rep.get(f"/board/visitors/{vid}")
    assert detail.status_code == 200
    assert "Meeting booked:" in detail.get_data(as_text=True)
    assert as_rep.get(f"/board/visitors/{theirs}").status_code == 404


def test_an_admin_sees_every_meeting_and_past_ones_drop_off(widget, at_booker, admin, rep,
                                                             make_user, app, app_ctx):
    other = make_user(name="Otto Other", email="otto@example.com")
    book(widget, at_booker, rep)
    book(widget, at_booker, other)
    boss = Browser(app.test_client())
    boss.login(admin.email)
    page = boss.get("/meetings/").get_data(as_text=True)
    assert page.count('id="meeting-') == 2 and "Otto Other" in page and "Rita Rep" in page
    for meeting in db.session.query(Meeting):
        meeting.starts_at -= timedelta(days=30)
        meeting.ends_at -= timedelta(days=30)
    db.session.commit()
    assert "No upcoming meetings." in boss.get("/meetings/").get_data(as_text=True)


def test_meetings_need_a_login(app):
    assert app.test_client().get("/meetings/").status_code == 302
