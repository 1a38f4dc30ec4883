"""Scenario: the Reports page on the demo's processes, its figures from the daily rollups
the worker's clock builds (every LIVEAPP_REPORTS_EVERY seconds, shortened here). Visitors
arrive and a rep pounces: the page counts them today, from the rollup. Then the admin
erases a visitor of the demo's history, three weeks old: the page shows their days
without them at once (read live: those days are no longer built), and from the rollup
again once the job has built them anew, with the same figures. Then the admin adds a
member to a group: its visitors read live at once, with hers, until the job has rebuilt
the group's days."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import escape

from liveapp.demo.history import visitor_id
from liveapp.demo.seeding import DEMO_USERS
from tests.scenarios.people import eventually
from tests.scenarios.settings import form_errors
from tests.scenarios.test_crm_routing import contacts_owned_by
from tests.scenarios.test_transfers import chatting_with

EVERY = 4  # seconds between the job's runs
STACK_SETTINGS = {"LIVEAPP_REPORTS_EVERY": str(EVERY)}
STACK_SEED = "tests.scenarios.demo_setup_past"  # the demo's three weeks of history
ROLLUP = "from the daily rollup"
PAGE = "/reports/?section=visitors&tz=UTC"
RUN_DONE = re.compile(r"Successfully completed jobs\.reports\.build_report_days\(\)")


def visitors_per_day(page: str) -> tuple[dict[str, int], bool]:
    """The "Visitors per day" table ({day: visitors}) and whether its note says it comes
    from the daily rollup."""
    section = page[page.index('id="report-visitors_per_day"'):]
    section = section[:section.index("</section>")]
    rows = re.findall(r'<tr><th scope="row">([\d-]+)</th><td class="num">([\d,]+)</td>',
                      section)
    return {day: int(n.replace(",", "")) for day, n in rows}, ROLLUP in section


def runs(stack) -> int:
    """The job's runs done so far, as the worker logged them."""
    return len(RUN_DONE.findall((stack.folder / "worker.log").read_text(errors="replace")))


def test_the_reports_read_the_rollup_and_a_late_erasure_reads_live_until_rebuilt(
        stack, team, visitor):
    admin = team["admin"]
    today = datetime.now(UTC).date().isoformat()
    start, _ = eventually(lambda: (lambda t: t if t[1] else None)(
        visitors_per_day(admin.page(PAGE))), 30, "the page from the rollup at first")
    people = [visitor() for _ in range(3)]
    for person in people[1:]:
        person.page_view("pricing")
    chatting_with(team, people[0], contacts_owned_by(team["ann"].email)[0])  # Ann pounces

    def counted() -> dict | None:
        shown, rollup = visitors_per_day(admin.page(PAGE))
        return shown if rollup and shown[today] == start[today] + 3 else None

    before = eventually(counted, 20, "today's 3 visitors on the page, from the rollup",
                        show=lambda: visitors_per_day(admin.page(PAGE)))
    assert 'id="report-chats_per_day"' in admin.page(
        "/reports/?section=conversations&tz=UTC")

    # Right after a run, a visitor of three weeks ago is erased: the page, asked at
    # once, reads live (their days are not built) and no longer counts them. Should a
    # run slip in between, the next visitor is erased, after the next run.
    for n in range(3):
        done = runs(stack)
        eventually(lambda d=done: runs(stack) > d, 3 * EVERY, "a run of the job")
        done = runs(stack)
        erased = admin.http.post("/settings/visitors/erase", data={
            "csrf_token": admin.csrf, "visitor_id": visitor_id(n), "confirm": "y"})
        assert erased.status_code == 303, form_errors(erased.text)
        after, rollup = visitors_per_day(admin.page(PAGE))
        if runs(stack) == done:
            break
        before = after
    assert not rollup, "read live right after the erasure"
    changed = {day: before[day] - after[day] for day in before if before[day] != after[day]}
    assert changed and set(changed.values()) == {1}, changed
    old = (datetime.now(UTC) - timedelta(days=2)).date().isoformat()
    assert max(changed) < old, changed  # days older than yesterday
    # The job's next run builds them again: from the rollup, with the live figures.
    again = eventually(lambda: (lambda t: t[0] if t[1] else None)(
        visitors_per_day(admin.page(PAGE))), 3 * EVERY, "the page from the rollup again")
    assert again == after


def test_a_groups_new_member_reads_live_until_the_job_rebuilds_its_days(stack, team):
    """Right after a run of the job, the admin adds Cara to Enterprise (Ann and Bob) on its
    settings page: the group's visitors page reads the history at once (its days' rows
    were counted without her), with Cara's visitors, and from the rollup again once the
    job has rebuilt the group's days, with the same figures. Days before today only:
    today may still move. (A group left with one member reads that rep's rows at once.)"""
    admin = team["admin"]
    group_id = admin.group_ids()["Enterprise"]
    page = f"{PAGE}&group={group_id}"
    form = f"/settings/groups/{group_id}"
    ann, bob, cara = (admin.option(form, escape(f"{user.name} <{user.email}>"))
                      for user in DEMO_USERS if user.email.split("@")[0] in ("ann", "bob", "cara"))
    today = datetime.now(UTC).date().isoformat()

    def past(shown: dict[str, int]) -> dict[str, int]:
        return {day: n for day, n in shown.items() if day < today}

    def from_rollup() -> dict[str, int] | None:
        shown, rollup = visitors_per_day(admin.page(page))
        return past(shown) if rollup else None

    for _ in range(3):  # should a run slip in between the save and the page, again
        before = eventually(from_rollup, 6 * EVERY, "the group's page from the rollup")
        done = runs(stack)
        eventually(lambda d=done: runs(stack) > d, 3 * EVERY, "a run of the job")
        done = runs(stack)
        saved = admin.save_group("Enterprise", {"members": [ann, bob, cara]})
        assert saved.status_code == 303, form_errors(saved.text)
        shown, rollup = visitors_per_day(admin.page(page))
        if runs(stack) == done:
            break
        admin.save_group("Enterprise", {"members": [ann, bob]})
    assert not rollup, "read live right after the members changed"
    after = past(shown)
    assert all(after[day] >= before[day] for day in before), (before, after)
    assert any(after[day] > before[day] for day in before), "Cara's visitors are counted"
    again = eventually(from_rollup, 6 * EVERY, "the group's page from the rollup again")
    assert again == after
