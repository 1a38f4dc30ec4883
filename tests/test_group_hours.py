"""Settings → Groups: business hours (time zone, weekly hours, holidays), admin only;
bad input names the field and writes nothing."""

from __future__ import annotations

from sqlalchemy import select

from liveapp.extensions import db
from liveapp.models import Group
from tests.clock import at_each_instant

WEEKDAYS = {f"days-{d}": "09:00-12:00, 13:00-17:00" for d in range(5)}


def form(**extra) -> dict:
    return {"name": "Sales EMEA", "time_zone": "Europe/Berlin", "limit_hours": "y",
            **WEEKDAYS, "holidays": "2026-12-25\n2026-12-24", **extra}


def saved() -> Group | None:
    db.session.expire_all()
    return db.session.scalar(select(Group).where(Group.name == "Sales EMEA"))


def test_admin_saves_business_hours(as_admin, app_ctx):
    response = as_admin.post("/settings/groups/new", form())
    assert response.status_code == 303
    group = saved()
    assert group.time_zone == "Europe/Berlin"
    assert group.business_hours[0] == [["09:00", "12:00"], ["13:00", "17:00"]]
    assert group.business_hours[5] == []
    assert group.holidays == ["2026-12-24", "2026-12-25"]
    page = as_admin.get("/settings/groups/").get_data(as_text=True)
    assert "Mon–Fri 09:00-12:00, 13:00-17:00 (Europe/Berlin), 2 holidays" in page
    assert "Open now" in page or "Sales EMEA closed (opens " in page
    edit = as_admin.get(f"/settings/groups/{group.id}").get_data(as_text=True)
    assert 'value="09:00-12:00, 13:00-17:00"' in edit
    assert "2026-12-25" in edit


def test_unticked_means_always_open(as_admin, app_ctx):
    assert as_admin.post("/settings/groups/new", form(limit_hours="")).status_code == 303
    assert saved().business_hours is None
    assert "Always open" in as_admin.get("/settings/groups/").get_data(as_text=True)


def test_bad_hours_name_the_field_and_write_nothing(as_admin, app_ctx):
    cases = [
        ({"days-2": "9-5"}, "Wednesday: &#39;9&#39; is not a time"),
        ({"days-0": "09:00-12:00, 11:00-13:00"}, "Monday: intervals overlap"),
        ({"holidays": "2026-02-30"}, "is not a date"),
        ({"time_zone": "Mars/Olympus"}, "Unknown time zone"),
        ({**{f"days-{d}": "" for d in range(7)}}, "Give at least one open day"),
    ]
    for extra, error in cases:
        response = as_admin.post("/settings/groups/new", form(**extra))
        assert response.status_code == 422, extra
        assert error in response.get_data(as_text=True), extra
        assert saved() is None


def test_editing_keeps_hours_when_a_later_save_fails(as_admin, app_ctx):
    as_admin.post("/settings/groups/new", form())
    group_id = saved().id
    bad = as_admin.post(f"/settings/groups/{group_id}", form(**{"days-0": "25:00-26:00"}))
    assert bad.status_code == 422
    assert saved().business_hours[0] == [["09:00", "12:00"], ["13:00", "17:00"]]


def test_reps_may_not_edit_hours(as_rep, app_ctx):
    assert as_rep.post("/settings/groups/new", form()).status_code == 403
    assert saved() is None


def test_csrf_is_required(as_admin, app_ctx):
    response = as_admin.post("/settings/groups/new", form(csrf_token="forged"))
    assert response.status_code == 400
    assert saved() is None


@at_each_instant  # "today" is the clock's
def test_the_list_says_whether_each_group_is_open_now(as_admin, app_ctx):
    from datetime import UTC, datetime, timedelta

    today = datetime.now(UTC).date()
    all_day = {f"days-{d}": "00:00-24:00" for d in range(7)}
    as_admin.post("/settings/groups/new", form(time_zone="UTC", **all_day, holidays=""))
    as_admin.post("/settings/groups/new", form(
        name="Night Desk", time_zone="UTC", **all_day,
        holidays=f"{today}\n{today + timedelta(days=1)}"))
    page = as_admin.get("/settings/groups/").get_data(as_text=True)
    assert "Open now" in page
    assert f"Night Desk closed (opens {today + timedelta(days=2):%a} 00:00 UTC)" in page
