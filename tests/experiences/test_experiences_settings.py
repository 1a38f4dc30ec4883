"""Settings → Experiences: URL targeting, audience, ordered flow steps, where each button
goes (the next step, a later step or the end), priority."""

import re

import pytest
from sqlalchemy import select

from liveapp.extensions import db
from liveapp.models import Experience
from liveapp.services.membership.experiences import domain_experiences
from tests.factories import ExperienceFactory, SegmentFactory, StreamFactory

PRICING = {
    "name": "Pricing Page",
    "active": "y",
    "rules-0-exclude": "include", "rules-0-kind": "contains", "rules-0-value": "/pricing",
    "rules-1-exclude": "exclude", "rules-1-kind": "wildcard", "rules-1-value": "*/pricing/faq*",
    "steps-0-type": "bot_message", "steps-0-text": "Questions about pricing?",
    "steps-1-type": "buttons", "steps-1-text": "Pick one",
    "steps-1-button-0-label": "Talk to sales", "steps-1-button-0-target": "next",
    "steps-1-button-1-label": "Just browsing", "steps-1-button-1-target": "end",
    "steps-2-type": "question", "steps-2-text": "", "steps-2-question": "email",
    "steps-3-type": "route_inbound", "steps-3-text": "",
    "steps-4-type": "meeting_booker", "steps-4-text": "",
}


def _experiences():
    db.session.expire_all()
    return list(db.session.scalars(select(Experience).order_by(Experience.priority)))


def test_create_experience(as_admin, app_ctx):
    known = SegmentFactory(name="Known Visitor")
    response = as_admin.post("/settings/experiences/new", {**PRICING, "audience": [known.id]})
    assert response.status_code == 303
    [exp] = _experiences()
    assert exp.active and [s.name for s in exp.audience] == ["Known Visitor"]
    assert exp.targeting == [
        {"kind": "contains", "value": "/pricing", "exclude": False},
        {"kind": "wildcard", "value": "*/pricing/faq*", "exclude": True},
    ]
    assert [s["type"] for s in exp.flow] == [
        "bot_message", "buttons", "question", "route_inbound", "meeting_booker"]
    assert exp.flow[1]["buttons"] == [{"label": "Talk to sales", "target": "next"},
                                      {"label": "Just browsing", "target": "end"}]
    [compiled] = domain_experiences()
    assert compiled.matches_url("https://acme.test/pricing")
    assert not compiled.matches_url("https://acme.test/pricing/faq")
    assert compiled.reaches({known.id}) and not compiled.reaches(set())


def test_steps_are_saved_in_page_order(as_admin, app_ctx):
    """Dragging steps reorders the fields the browser sends; indices don't matter."""
    form = {"name": "Reordered", "active": "y",
            "steps-7-type": "bot_message", "steps-7-text": "first",
            "steps-2-type": "route_pounce", "steps-2-text": ""}
    assert as_admin.post("/settings/experiences/new", form).status_code == 303
    assert [s["type"] for s in _experiences()[0].flow] == ["bot_message", "route_pounce"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "This field is required"),
        ({"rules-0-value": ""}, "needs a URL"),
        ({"rules-0-kind": "regex"}, "choose equals, contains or wildcard"),
        ({"steps-0-text": ""}, "needs a message"),
        ({"steps-1-button-0-label": "", "steps-1-button-1-label": " "}, "needs 1 to 6 buttons"),
        ({"steps-1-button-1-label": "talk to SALES"}, "button labels must differ"),
        ({"steps-2-question": "shoe size"}, "choose what to ask"),
        ({"steps-0-type": "meeting_booker"}, "only one per flow"),
        ({"audience": ["999"]}, "not a valid choice"),
    ],
)
def test_invalid_experience_writes_nothing(as_admin, app_ctx, changes, message):
    response = as_admin.post("/settings/experiences/new", {**PRICING, **changes})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _experiences() == []


def test_empty_flow_is_refused(as_admin, app_ctx):
    response = as_admin.post("/settings/experiences/new", {"name": "Nothing", "active": "y"})
    assert response.status_code == 422
    assert b"add at least one step" in response.data


def test_error_lands_on_its_step(as_admin, app_ctx):
    page = as_admin.post("/settings/experiences/new",
                         {**PRICING, "steps-1-button-0-label": "",
                          "steps-1-button-1-label": ""}).get_data(as_text=True)
    step = page[page.index('id="step-1"'):]
    assert step.index("needs 1 to 6 buttons") < step.index('id="step-2"')


def test_edit_round_trip_and_pause(as_admin, app_ctx):
    as_admin.post("/settings/experiences/new", PRICING)
    [exp] = _experiences()
    page = as_admin.get(f"/settings/experiences/{exp.id}").get_data(as_text=True)
    assert "Questions about pricing?" in page
    assert 'name="steps-1-button-0-label" value="Talk to sales"' in page
    assert 'name="steps-1-button-1-label" value="Just browsing"' in page
    form = {k: v for k, v in PRICING.items() if k != "active"}
    assert as_admin.post(f"/settings/experiences/{exp.id}", form).status_code == 303
    assert _experiences()[0].active is False
    assert b"(paused)" in as_admin.get("/settings/experiences/").data


def test_duplicate_name(as_admin, app_ctx):
    ExperienceFactory(name="Pricing Page")
    response = as_admin.post("/settings/experiences/new", PRICING)
    assert b"An experience with this name already exists" in response.data


def test_new_experiences_go_last_and_reorder(as_admin, app_ctx):
    a = ExperienceFactory(name="A", priority=0)
    b = ExperienceFactory(name="B", priority=1)
    as_admin.post("/settings/experiences/new", PRICING)
    assert [e.name for e in _experiences()] == ["A", "B", "Pricing Page"]
    c = _experiences()[2]
    response = as_admin.client.post(
        "/settings/experiences/reorder", data={"order": [c.id, b.id, a.id]},
        headers={"HX-Request": "true", "X-CSRFToken": as_admin.csrf("/settings/experiences/")})
    assert response.status_code == 200
    assert [e.name for e in _experiences()] == ["Pricing Page", "B", "A"]
    bad = as_admin.client.post(
        "/settings/experiences/reorder", data={"order": [a.id]},
        headers={"HX-Request": "true", "X-CSRFToken": as_admin.csrf("/settings/experiences/")})
    assert bad.status_code == 400
    assert [e.name for e in _experiences()] == ["Pricing Page", "B", "A"]


def test_row_endpoints(as_admin):
    added = as_admin.get("/settings/experiences/step-row?add=1&steps-0-type=bot_message"
                         "&steps-4-type=buttons")
    assert 'id="step-5"' in added.get_data(as_text=True)
    buttons = as_admin.get("/settings/experiences/step-row?index=3&steps-3-type=buttons"
                           "&steps-3-text=hello")
    html = buttons.get_data(as_text=True)
    assert ">hello</textarea>" in html and html.count("data-button-target") == 2
    assert 'name="steps-3-button-1-label" value=""' in html and "+ Add button" in html
    dance = as_admin.get("/settings/experiences/step-row?index=1&steps-1-type=dance")
    assert dance.status_code == 400
    assert as_admin.get("/settings/experiences/url-rule-row?index=nope").status_code == 400
    rule = as_admin.get("/settings/experiences/url-rule-row?add=1&rules-2-kind=contains")
    assert 'id="url-rule-3"' in rule.get_data(as_text=True)


def test_one_more_button_row_keeps_what_was_typed(as_admin):
    query = ("index=3&more_buttons=1&steps-3-type=buttons&steps-3-button-0-label=Demo"
             "&steps-3-button-0-target=end&steps-3-button-1-label=Docs"
             "&steps-3-button-1-target=step-9")
    html = as_admin.get(f"/settings/experiences/step-row?{query}").get_data(as_text=True)
    assert html.count("data-button-target") == 3
    assert 'value="Demo"' in html and 'value="Docs"' in html
    assert _targets(html, 3, 0) == (["Next step", "End the chat flow"], "End the chat flow")
    # Its neighbours are not in the request: the page completes the choices.
    assert _targets(html, 3, 1)[1] == "A step that is not in the flow"
    six = "&".join(f"steps-3-button-{n}-label=B{n}" for n in range(6))
    full = as_admin.get(f"/settings/experiences/step-row?index=3&more_buttons=1"
                        f"&steps-3-type=buttons&{six}").get_data(as_text=True)
    assert full.count("data-button-target") == 6 and "+ Add button" not in full


def test_delete_warns_about_streams(as_admin, app_ctx):
    exp = ExperienceFactory(name="Pricing Page")
    StreamFactory(name="High Intent", experiences=[exp])
    warning = as_admin.get(f"/settings/experiences/{exp.id}/delete").get_data(as_text=True)
    assert "High Intent" in warning and "Reps may stop seeing some visitors" in warning
    assert as_admin.post(f"/settings/experiences/{exp.id}/delete").status_code == 303
    assert _experiences() == []


@pytest.mark.parametrize("path", ["/settings/experiences/", "/settings/experiences/new",
                                  "/settings/experiences/step-row?index=0"])
def test_reps_get_403(as_rep, path):
    assert as_rep.get(path).status_code == 403


def test_rep_cannot_write(as_rep, app_ctx):
    assert as_rep.post("/settings/experiences/new", PRICING).status_code == 403
    assert _experiences() == []


def test_bot_text_is_escaped(as_admin, app_ctx):
    as_admin.post("/settings/experiences/new",
                  {**PRICING, "steps-0-text": "<script>alert(1)</script>"})
    [exp] = _experiences()
    page = as_admin.get(f"/settings/experiences/{exp.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page


def _targets(page: str, step: int, button: int) -> tuple[list[str], str | None]:
    """The texts of a button's target choices on the page, and the selected one."""
    name = f'name="steps-{step}-button-{button}-target"'
    select = page[page.index(name):]
    select = select[:select.index("</select>")]
    options = re.findall(r'<option value="[^"]*" ?(selected)?>([^<]*)</option>', select)
    return [text for _, text in options], next((t for sel, t in options if sel), None)


def test_each_button_picks_where_the_flow_goes(as_admin, app_ctx):
    """The choices: next step, each later step (number and short label) but the meeting
    booker, the end; a later step is stored by its position."""
    page = as_admin.get("/settings/experiences/new").get_data(as_text=True)
    assert 'name="steps-0-type"' in page
    form = {**PRICING, "steps-1-button-0-target": "step-3"}
    assert as_admin.post("/settings/experiences/new", form).status_code == 303
    [exp] = _experiences()
    assert exp.flow[1]["buttons"] == [{"label": "Talk to sales", "target": 3},
                                      {"label": "Just browsing", "target": "end"}]
    page = as_admin.get(f"/settings/experiences/{exp.id}").get_data(as_text=True)
    choices = ["Next step", "Step 3: Question (email)", "Step 4: Route for Inbound Chat",
               "End the chat flow"]
    assert _targets(page, 1, 0) == (choices, "Step 4: Route for Inbound Chat")
    assert _targets(page, 1, 1) == (choices, "End the chat flow")


def test_targets_follow_their_step_when_steps_are_dragged(as_admin, app_ctx):
    """The form names a step row; its position on submit is what is stored."""
    form = {"name": "Dragged", "active": "y",
            "steps-4-type": "buttons", "steps-4-text": "",
            "steps-4-button-0-label": "Talk", "steps-4-button-0-target": "step-1",
            "steps-4-button-1-label": "Later", "steps-4-button-1-target": "end",
            "steps-9-type": "bot_message", "steps-9-text": "Skipped by Talk",
            "steps-1-type": "route_inbound", "steps-1-text": ""}
    assert as_admin.post("/settings/experiences/new", form).status_code == 303
    [exp] = _experiences()
    assert [s["type"] for s in exp.flow] == ["buttons", "bot_message", "route_inbound"]
    assert exp.flow[0]["buttons"][0] == {"label": "Talk", "target": 2}


@pytest.mark.parametrize(("target", "error", "shown"), [
    ("step-0", "“Talk to sales” can only go to a later step, not step 1",
     "Step 1: Bot message (not a later step)"),
    ("step-1", "“Talk to sales” can only go to a later step, not step 2",
     "Step 2: Buttons (not a later step)"),
    ("step-9", "“Talk to sales” goes to a step that does not exist",
     "A step that is not in the flow"),
    ("elsewhere", "“Talk to sales” goes to a step that does not exist",
     "A step that is not in the flow"),
    ("step-4", "“Talk to sales” cannot go to the meeting booker",
     "Step 5: Meeting booker (not a later step)"),
])
def test_a_target_that_is_gone_or_backwards_is_refused_on_its_step(as_admin, app_ctx, target,
                                                                   error, shown):
    response = as_admin.post("/settings/experiences/new",
                             {**PRICING, "steps-1-button-0-target": target})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    step = page[page.index('id="step-1"'):page.index('id="step-2"')]
    assert error in step
    assert _targets(page, 1, 0)[1] == shown  # still selected, so the admin sees it
    assert _experiences() == []


def test_a_step_dragged_above_its_target_source_is_refused(as_admin, app_ctx):
    """Dragging the target above the button makes it point back: refused, nothing saved."""
    form = {"name": "Backwards", "active": "y",
            "steps-2-type": "route_inbound", "steps-2-text": "",
            "steps-0-type": "buttons", "steps-0-text": "",
            "steps-0-button-0-label": "Talk", "steps-0-button-0-target": "step-2"}
    response = as_admin.post("/settings/experiences/new", form)
    assert response.status_code == 422
    assert "“Talk” can only go to a later step, not step 1" in response.get_data(as_text=True)
    assert _experiences() == []


# ------------------------------------------------------------- invitation triggers

def test_an_experience_can_open_the_widget_by_itself(as_admin, app_ctx):
    form = {**PRICING, "invitation_trigger": "scroll_depth", "invitation_value": "60"}
    assert as_admin.post("/settings/experiences/new", form).status_code == 303
    [exp] = _experiences()
    assert exp.invitation == {"trigger": "scroll_depth", "value": 60}
    listed = as_admin.get("/settings/experiences/").get_data(as_text=True)
    assert "Opens by itself: When scrolled down the page: 60%" in listed
    edit = as_admin.get(f"/settings/experiences/{exp.id}").get_data(as_text=True)
    assert re.search(r'<option selected value="scroll_depth">|<option value="scroll_depth" '
                     r'selected>', edit)
    assert 'value="60"' in edit
    # Exit intent takes no value: one left in the box is not kept. "Never" clears it.
    form.update(invitation_trigger="exit_intent")
    assert as_admin.post(f"/settings/experiences/{exp.id}", form).status_code == 303
    assert _experiences()[0].invitation == {"trigger": "exit_intent", "value": None}
    form.update(invitation_trigger="")
    assert as_admin.post(f"/settings/experiences/{exp.id}", form).status_code == 303
    assert _experiences()[0].invitation is None


@pytest.mark.parametrize(("changes", "message"), [
    ({"invitation_trigger": "time_on_page", "invitation_value": ""},
     "give the number of seconds"),
    ({"invitation_trigger": "time_on_page", "invitation_value": "0"},
     "between 1 and 600 seconds"),
    ({"invitation_trigger": "scroll_depth", "invitation_value": "150"},
     "between 10 and 100 %"),
    ({"invitation_trigger": "idle", "invitation_value": "soon"}, "Not a valid integer value"),
    ({"invitation_trigger": "on_a_whim", "invitation_value": "3"}, "Not a valid choice"),
])
def test_a_bad_invitation_is_refused_and_nothing_changes(as_admin, app_ctx, changes, message):
    saved = {**PRICING, "invitation_trigger": "time_on_page", "invitation_value": "20"}
    assert as_admin.post("/settings/experiences/new", saved).status_code == 303
    [exp] = _experiences()
    response = as_admin.post(f"/settings/experiences/{exp.id}", {**saved, **changes})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _experiences()[0].invitation == {"trigger": "time_on_page", "value": 20}
