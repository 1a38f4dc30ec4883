"""The settings forms (issue 15, finding 8) in a real browser: checklists instead of
Ctrl-click multi-selects, the time zone select, the snippet's Copy button, what "matches"
accepts, and the Meetings table. Screenshots at 1440 and 375 px go under tmp_path."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from liveapp.extensions import db
from liveapp.models import Meeting, RoutingRule, Segment, User, Visitor
from tests.browser import test_screens as screens
from tests.browser.helpers import htmx_swap, screenshots, sign_in
from tests.browser.test_screens import DESKTOP, PHONE, page_width
from tests.factories import ExperienceFactory, GroupFactory, SegmentFactory, UserFactory
from tests.tracking import conftest as tracking_fixtures

console, site = screens.console, tracking_fixtures.site  # fixtures
pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("streams_end_with_the_test")]
NAMES = ["Ann Archer", "Bob Baker", "Cy Cole", "Dee Dunn", "Eli Evans", "Fay Ford",
         "Gus Gray", "Hal Hunt", "Ivy Irwin", "Jo Jones", "Kim Kerr", "Lou Lane"]


@pytest.fixture
def team(app_ctx):
    """Twelve reps (a list long enough for a filter box), groups, segments, experiences."""
    users = {name: UserFactory(name=name, email=f"{name.split()[0].lower()}@example.com")
             for name in NAMES}
    groups = [GroupFactory(name=n) for n in ("Enterprise", "Mid-market", "SMB")]
    segments = [SegmentFactory(name=f"Segment {n}") for n in "ABC"]
    experiences = [ExperienceFactory(name=f"Experience {n}") for n in "AB"]
    return users, groups, segments, experiences


def visible_labels(checklist) -> list[str]:
    return checklist.locator(".checklist-options label:visible").all_inner_texts()


def clipped(locator) -> bool:
    """Whether the element's text is cut off (wider than its box, or hidden by overflow)."""
    return locator.evaluate("e => e.scrollWidth > e.clientWidth + 1")


# ---------------------------------------------------------------- multi-selects


@pytest.mark.parametrize(("path", "checklists"), [
    ("/settings/routing/new", ["Users", "Groups", "Fallback users", "Fallback groups"]),
    ("/settings/groups/new", ["Members"]),
    ("/settings/streams/new", ["Segments", "Experiences"]),
    ("/settings/experiences/new", ["Audience (segments; none = everyone)"]),
    ("/settings/users/{user_id}", ["Groups"]),
])
def test_every_multi_choice_is_a_checklist(page, live_server, admin, team, console, tmp_path,
                                           path, checklists):
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server, admin.email)
    page.goto(live_server + path.format(user_id=team[0]["Eli Evans"].id))
    assert page.locator("select[multiple]").count() == 0
    legends = page.locator("fieldset[data-checklist] > legend").all_inner_texts()
    assert legends == checklists
    for legend in checklists:
        checklist = page.locator(f"fieldset[data-checklist]:has(> legend:text-is('{legend}'))")
        options = checklist.locator("input[type=checkbox]")
        assert options.count() > 0
        long = options.count() > 8
        assert checklist.locator("[data-checklist-filter]").is_visible() is long
        box = checklist.locator(".checklist-options")
        if long:  # it scrolls inside the form instead of making the page long
            assert box.evaluate("e => e.scrollHeight > e.clientHeight")
    page.set_viewport_size(PHONE)
    for label in page.locator(".checklist-options label").all():
        assert not clipped(label)
    screenshots(page, tmp_path, path.strip("/").replace("/", "-").split("{")[0])
    assert console == []


def test_routing_users_are_picked_by_click_and_found_by_filter(page, live_server, admin, team,
                                                                console, tmp_path):
    users, groups, *_ = team
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server, admin.email)
    page.goto(f"{live_server}/settings/routing/new")
    page.fill("input[name=name]", "Everyone else")
    route_users = page.locator("#route_to_users")
    eli = route_users.locator("label:has-text('Eli Evans')")
    assert eli.is_visible() and not clipped(eli)
    route_users.locator("[data-checklist-filter]").fill("eli")
    assert visible_labels(route_users) == ["Eli Evans"]
    page.keyboard.press("Enter")  # filters; does not submit the form
    assert page.url.endswith("/settings/routing/new") and _rules() == []
    eli.locator("input").check()  # one click, no Ctrl
    route_users.locator("[data-checklist-filter]").fill("zzz")
    assert visible_labels(route_users) == []
    assert route_users.locator("[data-checklist-none]").is_visible()
    route_users.locator("[data-checklist-filter]").fill("")
    assert len(visible_labels(route_users)) == len(users) + 1  # and the admin
    route_users.locator("label:has-text('Kim Kerr') input").check()
    # What is chosen is counted, even when scrolled or filtered out of sight.
    assert route_users.locator("[data-checklist-count]").inner_text() == "2 chosen"
    page.locator("#route_to_groups label:has-text('SMB') input").check()
    page.locator("#fallback_users label:has-text('Ann Archer') input").check()
    screenshots(page, tmp_path, "routing-rule-checklists")
    page.click("button:has-text('Save')")
    page.wait_for_url(f"{live_server}/settings/routing/")
    [rule] = _rules()
    assert sorted(u.name for u in rule.route_to_users) == ["Eli Evans", "Kim Kerr"]
    assert [g.name for g in rule.route_to_groups] == ["SMB"]
    assert [u.name for u in rule.fallback_users] == ["Ann Archer"]
    page.goto(f"{live_server}/settings/routing/{rule.id}")
    assert eli.locator("input").is_checked()
    assert route_users.locator("[data-checklist-count]").inner_text() == "2 chosen"
    assert not route_users.locator("label:has-text('Bob Baker') input").is_checked()
    assert console == []


def _rules() -> list[RoutingRule]:
    db.session.expire_all()
    return list(db.session.scalars(select(RoutingRule)))


def new_segment(page, live_server, admin, name: str, field: str, operator: str) -> None:
    """The new segment form, named, with its first row set to this field and operator."""
    sign_in(page, live_server, admin.email)
    page.goto(f"{live_server}/settings/segments/new")
    page.fill("input[name=name]", name)
    htmx_swap(page, "condition-row", lambda: page.select_option(
        "select[name='conditions-0-field']", field))
    htmx_swap(page, "condition-row", lambda: page.select_option(
        "select[name='conditions-0-operator']", operator))


def test_criteria_values_are_ticked_not_ctrl_clicked(page, live_server, admin, app_ctx, console):
    new_segment(page, live_server, admin, "Qualified", "lifecycle_stage", "in_list")
    row = page.locator("#condition-0")
    assert row.locator("select[multiple]").count() == 0
    # The value chosen under "is" (the first stage) is carried over, ticked, not lost.
    assert row.locator("input:checked").evaluate_all("es => es.map(e => e.value)") == [
        "Subscriber"]
    row.locator("label:has-text('Subscriber') input").uncheck()
    row.locator("label:has-text('MQL') input").check()
    row.locator("label:has-text('SQL') input").check()
    page.click("button:has-text('Save')")
    page.wait_for_selector("text=Saved segment Qualified")
    segment = db.session.scalar(select(Segment))
    assert segment.criteria["conditions"][0]["value"] == ["MQL", "SQL"]
    assert console == []


# ---------------------------------------------------------------- time zone


def test_the_time_zone_is_chosen_from_the_iana_zones(page, live_server, admin, rep, console,
                                                     tmp_path):
    sign_in(page, live_server, admin.email)
    page.goto(f"{live_server}/settings/users/{rep.id}")
    zone = page.locator("select#time_zone")
    assert zone.evaluate("e => e.options.length") > 300
    assert zone.input_value() == "UTC"
    assert page.get_by_label("Time zone").evaluate("e => e.id") == "time_zone"
    zone.focus()
    zone.select_option("Europe/Paris")
    screenshots(page, tmp_path, "user-time-zone")
    page.click("button:has-text('Save')")
    page.wait_for_url(f"{live_server}/settings/users/")
    db.session.expire_all()
    assert db.session.get(User, rep.id).time_zone == "Europe/Paris"
    assert console == []


# ---------------------------------------------------------------- snippet Copy button


def _snippet_page(page, live_server, admin, site):
    sign_in(page, live_server, admin.email)
    page.goto(f"{live_server}/settings/sites/{site.id}")
    return page.locator(f"#snippet-code-{site.id}").inner_text()


def test_copy_puts_the_snippet_on_the_clipboard(chromium, live_server, admin, site, tmp_path):
    context = chromium.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    try:
        code = _snippet_page(page, live_server, admin, site)
        assert site.site_key in code and code.startswith("<script src=")
        status = page.locator("[data-copy-status]")
        assert status.get_attribute("role") == "status"
        page.get_by_role("button", name="Copy").click()
        page.wait_for_function("() => document.querySelector('[data-copy-status]').textContent")
        assert status.inner_text() == "Copied."
        assert page.evaluate("navigator.clipboard.readText()") == code
        screenshots(page, tmp_path, "snippet-copied")
    finally:
        context.close()


REFUSE_CLIPBOARD = """
Object.defineProperty(navigator, "clipboard", { value: { writeText: function () {
  return Promise.reject(new DOMException("Write permission denied.", "NotAllowedError"));
} } });
"""


@pytest.mark.parametrize("refusal", [REFUSE_CLIPBOARD,
                                     'Object.defineProperty(navigator, "clipboard", '
                                     '{ value: undefined });'])
def test_copy_without_the_clipboard_selects_the_snippet(chromium, live_server, admin, site,
                                                        refusal):
    context = chromium.new_context()
    context.add_init_script(refusal)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        code = _snippet_page(page, live_server, admin, site)
        page.get_by_role("button", name="Copy").click()
        page.wait_for_function("() => document.querySelector('[data-copy-status]').textContent")
        assert "Ctrl+C" in page.locator("[data-copy-status]").inner_text()
        assert page.evaluate("window.getSelection().toString()") == code
        assert errors == []
    finally:
        context.close()


# ---------------------------------------------------------------- "matches"


def test_matches_says_what_it_takes_and_refuses_a_regex(page, live_server, admin, app_ctx,
                                                        console, tmp_path):
    new_segment(page, live_server, admin, "Pricing", "current_url", "url_matches")
    value = page.locator("#condition-0 input[name='conditions-0-value']")
    hint = page.locator("#" + value.get_attribute("aria-describedby"))
    assert hint.is_visible() and "not a regular expression" in hint.inner_text()
    assert "*/pricing*" in hint.inner_text()
    value.fill("^https://acme.com/pricing.*$")
    page.click("button:has-text('Save')")
    error = page.locator("#condition-0 .error")
    error.wait_for()
    assert "not a regular expression" in error.inner_text() and "$ ^" in error.inner_text()
    assert value.input_value() == "^https://acme.com/pricing.*$"  # kept, to be fixed
    screenshots(page, tmp_path, "matches-refused")
    assert db.session.scalar(select(Segment)) is None
    page.locator("#condition-0 input[name='conditions-0-value']").fill("*/pricing*")
    page.click("button:has-text('Save')")
    page.wait_for_selector("text=Saved segment Pricing")
    db.session.expire_all()
    assert db.session.scalar(select(Segment)).criteria["conditions"][0]["value"] == "*/pricing*"
    assert console and all("422" in entry for entry in console)  # only the refused save


# ---------------------------------------------------------------- meetings


@pytest.fixture
def meetings(app_ctx, site, rep):
    """A named visitor with company and email, and one known only by an email."""
    start = (datetime.now() + timedelta(days=2)).replace(hour=14, minute=0, second=0,
                                                          microsecond=0)
    named = Visitor(id=str(uuid.uuid4()), site_id=site.id, name="Maximilian Featherstonehaugh",
                    company_name="Acme Industrial Holdings", email="max@acme-industrial.com")
    email_only = Visitor(id=str(uuid.uuid4()), site_id=site.id, email="only@example.org")
    db.session.add_all([named, email_only])
    db.session.add_all([
        Meeting(visitor=named, rep=rep, starts_at=start, ends_at=start + timedelta(minutes=30),
                email="max@acme-industrial.com", note="Wants a demo of routing"),
        Meeting(visitor=email_only, rep=rep, starts_at=start + timedelta(hours=1),
                ends_at=start + timedelta(hours=1, minutes=30), email="only@example.org"),
    ])
    db.session.commit()
    return named, email_only


def test_meetings_show_when_on_one_line_and_each_email_once(page, live_server, admin, meetings,
                                                           console, tmp_path):
    rep_zone = "America/New_York"
    admin_user = db.session.get(User, admin.id)
    admin_user.time_zone = rep_zone
    db.session.commit()
    sign_in(page, live_server, admin.email)
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        page.goto(f"{live_server}/meetings/")
        assert page.locator("table.meetings caption").inner_text() == f"Times in {rep_zone}"
        for row in page.locator("table.meetings tbody tr").all():
            when = row.locator("td.when time")
            assert when.evaluate("e => e.getClientRects().length") == 1  # one line
            assert rep_zone not in when.inner_text()  # the caption says it once
            text = row.inner_text()
            for email in ("max@acme-industrial.com", "only@example.org"):
                assert text.count(email) <= 1
        named = page.locator("tr", has_text="Maximilian").inner_text()
        assert "Acme Industrial Holdings" in named and "max@acme-industrial.com" in named
        assert page_width(page) <= size["width"]
        page.screenshot(path=str(tmp_path / f"meetings-{size['width']}.png"), full_page=True)
    assert console == []


def test_a_long_list_of_criteria_values_has_a_filter(page, live_server, admin, app_ctx, console):
    for n in range(10):
        ExperienceFactory(name=f"Region {n}" if n != 7 else "Enterprise welcome")
    new_segment(page, live_server, admin, "Welcomed", "experiences_received", "in_list")
    values = page.locator("#condition-0 fieldset[data-checklist]")
    values.locator("[data-checklist-filter]").fill("enterp")
    assert visible_labels(values) == ["Enterprise welcome"]
    values.locator("label:has-text('Enterprise welcome') input").check()
    assert values.locator("input:checked").count() == 1
    assert console == []
