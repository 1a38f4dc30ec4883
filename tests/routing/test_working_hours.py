"""Reps' working hours and time zone on Settings → Users."""

from datetime import UTC, datetime

import pytest

from liveapp.domain.routing import in_working_hours
from liveapp.extensions import db
from liveapp.models import User
from liveapp.services.routing import working_hours

WEEK = [("09:00", "17:00")] * 5 + [("", "")] * 2


def form(user, shifts=WEEK, **changes):
    data = {
        "name": user.name, "email": user.email, "role": user.role,
        "availability": "available", "max_concurrent_chats": "3", "is_chat_user": "y",
        "time_zone": "Europe/Paris", "limit_hours": "y",
    }
    for day, (start, end) in enumerate(shifts):
        data[f"hours-{day}-start"], data[f"hours-{day}-end"] = start, end
    return {**data, **changes}


def _reload(user) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def test_save_hours_and_time_zone(as_admin, rep, app_ctx):
    shifts = [("08:30", "12:00"), *WEEK[1:5], ("10:00", "00:00"), ("", "")]
    response = as_admin.post(f"/settings/users/{rep.id}", form(rep, shifts))
    assert response.status_code == 303
    saved = _reload(rep)
    assert saved.time_zone == "Europe/Paris"
    assert saved.working_hours == [
        [["08:30", "12:00"]], *[[["09:00", "17:00"]]] * 4, [["10:00", "00:00"]], []]
    # Monday 23 Nov 2026 10:00 UTC is 11:00 in Paris; Saturday 23:30 Paris is inside 10-24.
    assert in_working_hours(saved.working_hours, saved.time_zone,
                            datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    assert in_working_hours(saved.working_hours, saved.time_zone,
                            datetime(2026, 11, 28, 22, 30, tzinfo=UTC))
    page = as_admin.get(f"/settings/users/{rep.id}").get_data(as_text=True)
    assert 'value="08:30"' in page and 'value="Europe/Paris"' in page
    listing = as_admin.get("/settings/users/").get_data(as_text=True)
    assert "Mon 08:30–12:00, Tue–Fri 09:00–17:00, Sat 10:00–00:00 (Europe/Paris)" in listing


def test_unticked_means_no_working_hours(as_admin, rep, app_ctx):
    rep.working_hours = [[["09:00", "17:00"]]] * 7
    db.session.commit()
    response = as_admin.post(f"/settings/users/{rep.id}", form(rep, limit_hours=""))
    assert response.status_code == 303
    assert _reload(rep).working_hours is None


def test_new_user_form_offers_office_hours_and_empty_zone_is_utc(as_admin, app_ctx):
    page = as_admin.get("/settings/users/new").get_data(as_text=True)
    assert 'name="hours-0-start"' in page and 'value="09:00"' in page
    assert 'name="hours-6-end"' in page and '<option value="Europe/Paris">' in page
    response = as_admin.post("/settings/users/new", {
        "name": "Nia New", "email": "nia@example.com", "role": "rep", "password": "long-enough",
        "availability": "available", "max_concurrent_chats": "2", "time_zone": "",
    })
    assert response.status_code == 303
    user = db.session.scalar(db.select(User).where(User.email == "nia@example.com"))
    assert (user.time_zone, user.working_hours) == ("UTC", None)


@pytest.mark.parametrize(
    ("changes", "shifts", "field", "message"),
    [
        ({"time_zone": "Mars/Olympus"}, WEEK, "time_zone", "Unknown time zone"),
        ({"time_zone": "../../etc/passwd"}, WEEK, "time_zone", "Unknown time zone"),
        # Files zoneinfo opens that are not IANA zone names.
        ({"time_zone": "posixrules"}, WEEK, "time_zone", "Unknown time zone"),
        ({"time_zone": "posix/Europe/Paris"}, WEEK, "time_zone", "choose one from the list"),
        ({}, [("17:00", "09:00"), *WEEK[1:]], "hours-0-end", "The end must be after the start"),
        ({}, [*WEEK[:2], ("9am", "5pm"), *WEEK[3:]], "hours-2-end", "HH:MM"),
        ({}, [*WEEK[:4], ("09:00", ""), *WEEK[5:]], "hours-4-end", "both a start and an end"),
        ({}, [*WEEK[:6], ("24:00", "25:00")], "hours-6-end", "HH:MM"),
        ({}, [("", "")] * 7, "limit_hours", "at least one working day"),
    ],
)
def test_hours_errors_rerender_and_write_nothing(as_admin, rep, app_ctx, changes, shifts,
                                                 field, message):
    response = as_admin.post(f"/settings/users/{rep.id}", form(rep, shifts, **changes))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    start = html.index(f'id="{field}"')
    assert message in html[start:html.index("</div>" if "hours-" not in field else "</tr>",
                                            start)]
    saved = _reload(rep)
    assert (saved.time_zone, saved.working_hours) == ("UTC", None)


def test_time_zone_is_a_select_of_the_iana_zones(as_admin, rep, app_ctx):
    page = as_admin.get(f"/settings/users/{rep.id}").get_data(as_text=True)
    select = page[page.index('<select id="time_zone" name="time_zone">'):]
    select = select[:select.index("</select>")]
    options = select.count("<option ")
    assert options == len(working_hours.zone_names()) > 300
    assert select.index('<option selected value="UTC">UTC</option>') < select.index(
        '<option value="Africa/Abidjan">')
    assert '<option value="Europe/Paris">Europe/Paris</option>' in select
    assert "<datalist" not in page


def test_a_saved_unknown_zone_is_shown_not_silently_replaced(as_admin, rep, app_ctx):
    rep.time_zone = "posixrules"
    db.session.commit()
    page = as_admin.get(f"/settings/users/{rep.id}").get_data(as_text=True)
    assert '<option selected value="posixrules">posixrules (unknown)</option>' in page
    response = as_admin.post(f"/settings/users/{rep.id}", form(rep, time_zone="posixrules"))
    assert response.status_code == 422 and "Unknown time zone" in response.get_data(as_text=True)
    assert _reload(rep).time_zone == "posixrules"


def test_time_zone_is_escaped(as_admin, rep, app_ctx):
    response = as_admin.post(f"/settings/users/{rep.id}", form(rep, time_zone="<b>x</b>"))
    assert response.status_code == 422
    assert "<b>x</b>" not in response.get_data(as_text=True)


def test_helpers_round_trip():
    schedule = working_hours.schedule_from_shifts(WEEK)
    assert working_hours.shifts_from_schedule(schedule) == WEEK
    assert working_hours.shifts_from_schedule(None) == WEEK
    assert working_hours.describe(schedule, "UTC") == "Mon–Fri 09:00–17:00 (UTC)"
    split = [[["09:00", "12:00"], ["13:00", "17:00"]], [], [["09:00", "12:00"]], [], [], [], []]
    assert working_hours.describe(split, "Asia/Tokyo") == (
        "Mon 09:00–12:00, 13:00–17:00, Wed 09:00–12:00 (Asia/Tokyo)")
    assert working_hours.describe([[]] * 7, "UTC") == "No working days (UTC)"
    assert working_hours.describe(None, "UTC") == "Any time"
