"""Settings → Routing: the rule form (criteria builder, owner toggles, distribution),
field errors, reorder, delete, the enterprise flag, access and escaping."""

import re

import pytest
from sqlalchemy import select

from liveapp.errors import ValidationFailed
from liveapp.extensions import db
from liveapp.models import RoutingRule
from tests.factories import GroupFactory, RoutingRuleFactory, UserFactory

FORM = {
    "name": "Target accounts", "active": "y", "match": "all",
    "conditions-0-field": "is_target_account", "conditions-0-operator": "equals",
    "conditions-0-value": "true",
    "outreach_mode": "sender", "salesforce_owner": "y",
    "distribution": "round_robin", "offer_timeout_seconds": "30",
    "when_nobody": "meeting_booker",
}
FORM_CRITERIA = {"match": "all", "conditions": [
    {"field": "is_target_account", "operator": "equals", "value": True}]}
FIELDSETS = {"outreach_mode", "distribution", "when_nobody", "route_to", "route_to_users",
             "route_to_groups", "fallback_users", "fallback_groups"}
ENDS = {"route_to": 'class="field fallback"'}  # its users and groups are fieldsets too


def _rules():
    db.session.expire_all()
    return list(db.session.scalars(select(RoutingRule).order_by(RoutingRule.position)))


def error_on(html: str, field: str, message: str) -> bool:
    """The message is shown inside the field's own block of the form."""
    start = html.index(f'id="{field}"')
    end = html.index(ENDS.get(field, "</fieldset>" if field in FIELDSETS else "</div>"), start)
    return message in html[start:end]


def _reorder(browser, ids):
    return browser.client.post(
        "/settings/routing/reorder", data={"order": ids},
        headers={"HX-Request": "true", "X-CSRFToken": browser.csrf("/settings/routing/")},
    )


def test_create_rule_through_the_form(as_admin, app_ctx, changes):
    group = GroupFactory(name="Enterprise")
    response = as_admin.post("/settings/routing/new", {**FORM, "route_to_groups": [group.id]})
    assert response.status_code == 303
    [rule] = _rules()
    assert rule.criteria == {"match": "all", "conditions": [
        {"field": "is_target_account", "operator": "equals", "value": True}]}
    assert (rule.outreach_mode, rule.salesforce_owner, rule.distribution) == (
        "sender", True, "round_robin")
    assert [g.name for g in rule.route_to_groups] == ["Enterprise"]
    listing = as_admin.get("/settings/routing/").get_data(as_text=True)
    assert "Outreach sender → Salesforce owner → group Enterprise; Round robin, 30 s" in listing
    assert "When: Target account is yes" in listing
    assert changes == ["routing"]


def test_catch_all_rule_without_conditions(as_admin, app_ctx):
    response = as_admin.post("/settings/routing/new", {
        "name": "Everyone else", "active": "y", "match": "any", "route_to_all": "y",
        "distribution": "balanced", "when_nobody": "queue",
    })
    assert response.status_code == 303
    [rule] = _rules()
    assert rule.criteria == {"match": "all", "conditions": []}
    listing = as_admin.get("/settings/routing/").get_data(as_text=True)
    assert "When: Every visitor" in listing and "all users; Balanced" in listing


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "Give the rule a name."),
        ({"outreach_mode": "cousin"}, "outreach_mode", "Choose email sender, prospect owner"),
        ({"distribution": "lottery"}, "distribution", "Choose First Available, Round Robin"),
        ({"when_nobody": "panic"}, "when_nobody", "Choose the meeting booker or the queue"),
        ({"offer_timeout_seconds": "soon"}, "offer_timeout_seconds", "whole seconds"),
        ({"offer_timeout_seconds": "9999"}, "offer_timeout_seconds", "between 10 and 600"),
        ({"route_to_users": ["abc"]}, "route_to_users", "Choose from the list."),
        ({"fallback_groups": ["9999"]}, "fallback_groups", "no group with id 9999"),
        ({"outreach_mode": "", "salesforce_owner": ""}, "route_to", "can route to nobody"),
        ({"last_chatted": "y", "last_chatted_days": "0"}, "last_chatted_days",
         "1 to 365"),
        ({"last_chatted": "y", "last_chatted_days": "a month"}, "last_chatted_days",
         "1 to 365"),
    ],
)
def test_field_errors_rerender_and_write_nothing(as_admin, app_ctx, changes, field, message):
    response = as_admin.post("/settings/routing/new", {**FORM, **changes})
    assert response.status_code == 422
    assert error_on(response.get_data(as_text=True), field, message)
    assert _rules() == []


def test_criteria_errors_show_on_their_row_and_keep_input(as_admin, app_ctx):
    response = as_admin.post("/settings/routing/new", {
        **FORM, "conditions-4-field": "page_count", "conditions-4-operator": "greater_than",
        "conditions-4-value": "lots", "name": "Keep me",
    })
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    row = html[html.index('id="condition-4"'):]
    assert 'value="lots"' in row[:row.index("</div>")]
    assert "number" in row[:row.index("</div>")]
    assert 'value="Keep me"' in html
    assert _rules() == []


def test_rule_form_uses_the_segments_condition_row(as_admin, app_ctx):
    page = as_admin.get("/settings/routing/new").get_data(as_text=True)
    assert "/settings/segments/condition-row?add=1" in page
    row = as_admin.get("/settings/segments/condition-row?add=1")
    assert row.status_code == 200 and 'name="conditions-0-field"' in row.get_data(as_text=True)


def test_edit_shows_and_saves_values(as_admin, app_ctx):
    ann = UserFactory(name="Ann Archer")
    rule = RoutingRuleFactory(
        name="Outbound prospects", outreach_mode="both", route_to_all=False,
        fallback_users=[ann], distribution="round_robin", offer_timeout_seconds=45,
        criteria={"match": "any", "conditions": [
            {"field": "utm_medium", "operator": "equals", "value": "email"}]},
    )
    page = as_admin.get(f"/settings/routing/{rule.id}").get_data(as_text=True)
    assert 'value="45"' in page and 'value="email"' in page
    assert (f'name="fallback_users" value="{ann.id}" checked><span>Ann Archer</span>'
            in page)
    assert 'checked id="outreach_mode-3"' in page
    response = as_admin.post(f"/settings/routing/{rule.id}", {
        **FORM, "name": "Outbound prospects", "fallback_users": [ann.id],
        "distribution": "first_available", "active": "",
    })
    assert response.status_code == 303
    [saved] = _rules()
    assert (saved.distribution, saved.active, saved.offer_timeout_seconds) == (
        "first_available", False, 30)
    assert [u.name for u in saved.fallback_users] == ["Ann Archer"]
    assert "(inactive)" in as_admin.get("/settings/routing/").get_data(as_text=True)


def test_account_team_is_hidden_and_refused_without_the_flag(as_admin, app_ctx):
    page = as_admin.get("/settings/routing/new").get_data(as_text=True)
    assert 'name="account_team"' not in page
    response = as_admin.post("/settings/routing/new", {
        **FORM, "outreach_mode": "", "salesforce_owner": "", "account_team": "y"})
    assert response.status_code == 422
    assert error_on(response.get_data(as_text=True), "account_team", "enterprise feature")
    assert _rules() == []


def test_saved_account_team_survives_an_edit_with_the_flag_off(as_admin, app_ctx):
    rule = RoutingRuleFactory(name="AT", account_team=True, account_team_roles=["AE"])
    page = as_admin.get(f"/settings/routing/{rule.id}").get_data(as_text=True)
    assert "switched off here, so that step is skipped" in page
    assert as_admin.post(f"/settings/routing/{rule.id}", {**FORM, "name": "AT"}).status_code == 303
    [saved] = _rules()
    assert (saved.account_team, saved.account_team_roles) == (True, ["AE"])


def test_account_team_with_the_flag(as_admin, app_ctx, enterprise):
    page = as_admin.get("/settings/routing/new").get_data(as_text=True)
    assert 'name="account_team"' in page and 'name="account_team_roles"' in page
    response = as_admin.post("/settings/routing/new", {
        **FORM, "outreach_mode": "", "salesforce_owner": "", "account_team": "y",
        "account_team_roles": "Account Executive, Sales Engineer",
    })
    assert response.status_code == 303
    [rule] = _rules()
    assert (rule.account_team, rule.account_team_roles) == (
        True, ["Account Executive", "Sales Engineer"])
    listing = as_admin.get("/settings/routing/").get_data(as_text=True)
    assert "account team (Account Executive, Sales Engineer)" in listing


def test_service_refuses_account_team_when_the_flag_is_off(app_ctx):
    from liveapp.services.routing import routing_rules

    with pytest.raises(ValidationFailed) as failed:
        routing_rules.save_rule(None, {"name": "AT", "distribution": "balanced",
                                       "account_team": True, "route_to_all": True})
    assert "enterprise feature" in failed.value.errors["account_team"]


def test_reorder_is_persisted(as_admin, app_ctx, changes):
    a, b, c = (RoutingRuleFactory(name=n, position=i) for i, n in enumerate("ABC"))
    response = _reorder(as_admin, [c.id, a.id, b.id])
    assert response.status_code == 200
    assert [r.name for r in _rules()] == ["C", "A", "B"]
    html = response.get_data(as_text=True)
    assert html.index(f"rule-{c.id}") < html.index(f"rule-{a.id}")
    assert changes == ["routing"]


@pytest.mark.parametrize("order", [[], ["x"], "dup", "missing"])
def test_bad_reorder_changes_nothing(as_admin, app_ctx, order):
    a, b = (RoutingRuleFactory(name=n, position=i) for i, n in enumerate("AB"))
    order = {"dup": [a.id, a.id], "missing": [b.id]}.get(order) if isinstance(
        order, str) else order
    response = _reorder(as_admin, order)
    assert response.status_code == 400
    assert "could not be saved" in response.get_data(as_text=True)
    assert [r.name for r in _rules()] == ["A", "B"]


def test_csrf_is_required(as_admin, app_ctx):
    a, b = (RoutingRuleFactory(name=n, position=i) for i, n in enumerate("AB"))
    client = as_admin.client
    assert client.post("/settings/routing/reorder", data={"order": [b.id, a.id]}).status_code == 400
    assert client.post("/settings/routing/new", data=FORM).status_code == 400
    assert client.post(f"/settings/routing/{a.id}/delete").status_code == 400
    assert [r.name for r in _rules()] == ["A", "B"]


def test_delete_asks_then_deletes(as_admin, app_ctx, changes):
    rule = RoutingRuleFactory(name="Doomed", position=0)
    RoutingRuleFactory(name="Kept", position=1)
    warning = as_admin.get(f"/settings/routing/{rule.id}/delete")
    assert b"Delete routing rule Doomed?" in warning.data
    assert as_admin.post(f"/settings/routing/{rule.id}/delete").status_code == 303
    assert [(r.name, r.position) for r in _rules()] == [("Kept", 0)]
    assert changes == ["routing"]


def test_unknown_rule_is_404(as_admin):
    assert as_admin.get("/settings/routing/999").status_code == 404
    assert as_admin.post("/settings/routing/999/delete").status_code == 404


@pytest.mark.parametrize("path", ["/settings/routing/", "/settings/routing/new",
                                  "/settings/routing/1", "/settings/routing/1/delete"])
def test_reps_get_403(as_rep, path):
    assert as_rep.get(path).status_code == 403


def test_rep_cannot_change_rules(as_rep, app_ctx):
    rule = RoutingRuleFactory(name="Kept")
    assert as_rep.post("/settings/routing/new", FORM).status_code == 403
    assert as_rep.post("/settings/routing/reorder", {"order": [rule.id]}).status_code == 403
    assert as_rep.post(f"/settings/routing/{rule.id}", FORM).status_code == 403
    assert as_rep.post(f"/settings/routing/{rule.id}/delete").status_code == 403
    assert [r.name for r in _rules()] == ["Kept"]


def test_anonymous_is_sent_to_login(browser):
    response = browser.get("/settings/routing/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_nav_shows_routing(as_admin):
    page = as_admin.get("/settings/routing/").get_data(as_text=True)
    assert 'href="/settings/routing/"' in page


def test_names_are_escaped(as_admin, app_ctx):
    evil = '<img src=x onerror=alert(1)>'
    group = GroupFactory(name=evil + "G")
    UserFactory(name=evil + "U")
    RoutingRuleFactory(name=evil, route_to_groups=[group])
    listing = as_admin.get("/settings/routing/").get_data(as_text=True)
    form = as_admin.get("/settings/routing/new").get_data(as_text=True)
    for page in (listing, form):
        assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    response = as_admin.post("/settings/routing/new", {**FORM, "name": evil * 20})
    assert response.status_code == 422 and "<img src=x" not in response.get_data(as_text=True)


NEVER = "Never matches:</strong> 'Everyone else' above it matches every visitor."


def _warned(html: str, rule_id: int) -> bool:
    """The never-matches warning is inside this rule's own tile."""
    start = html.index(f'id="rule-{rule_id}"')
    return NEVER in html[start:html.index("</article>", start)]


def test_a_rule_created_with_a_catch_all_present_goes_above_it(as_admin, app_ctx):
    RoutingRuleFactory(name="Outbound", position=0, criteria=FORM_CRITERIA)
    RoutingRuleFactory(name="Everyone else", position=1)
    response = as_admin.post("/settings/routing/new", FORM)
    assert response.status_code == 303
    assert [(r.name, r.position) for r in _rules()] == [
        ("Outbound", 0), ("Target accounts", 1), ("Everyone else", 2)]
    assert NEVER not in as_admin.get("/settings/routing/").get_data(as_text=True)


def test_bad_input_with_a_catch_all_present_writes_nothing(as_admin, app_ctx):
    RoutingRuleFactory(name="Everyone else", position=0)
    response = as_admin.post("/settings/routing/new", {**FORM, "name": ""})
    assert response.status_code == 422
    assert [(r.name, r.position) for r in _rules()] == [("Everyone else", 0)]


def test_the_list_warns_on_every_rule_below_a_catch_all(as_admin, app_ctx):
    target = RoutingRuleFactory(name="Target", position=0, criteria=FORM_CRITERIA)
    catch_all = RoutingRuleFactory(name="Everyone else", position=1)
    paused = RoutingRuleFactory(name="Paused", position=2, criteria=FORM_CRITERIA, active=False)
    html = as_admin.get("/settings/routing/").get_data(as_text=True)
    assert not _warned(html, target.id) and not _warned(html, catch_all.id)
    assert _warned(html, paused.id)

    response = _reorder(as_admin, [catch_all.id, target.id, paused.id])
    assert response.status_code == 200  # allowed, and the re-rendered list says so
    html = response.get_data(as_text=True)
    assert [_warned(html, r.id) for r in (catch_all, target, paused)] == [False, True, True]
    assert _warned(as_admin.get("/settings/routing/").get_data(as_text=True), target.id)


def test_the_edit_page_says_the_rule_never_matches(as_admin, app_ctx):
    RoutingRuleFactory(name="Everyone else", position=0)
    below = RoutingRuleFactory(name="Target", position=1, criteria=FORM_CRITERIA)
    assert NEVER in as_admin.get(f"/settings/routing/{below.id}").get_data(as_text=True)
    _reorder(as_admin, [below.id, _rules()[0].id])
    assert NEVER not in as_admin.get(f"/settings/routing/{below.id}").get_data(as_text=True)
    assert NEVER not in as_admin.get("/settings/routing/new").get_data(as_text=True)


def test_the_catch_all_name_in_the_warning_is_escaped(as_admin, app_ctx):
    evil = "<b onclick=alert(1)>All</b>"
    RoutingRuleFactory(name=evil, position=0)
    below = RoutingRuleFactory(name="Target", position=1, criteria=FORM_CRITERIA)
    for path in ("/settings/routing/", f"/settings/routing/{below.id}"):
        html = as_admin.get(path).get_data(as_text=True)
        assert "Never matches:</strong> '&lt;b onclick=alert(1)&gt;All&lt;/b&gt;' above" in html
        assert "<b onclick" not in html


def test_the_last_chatted_rep_step_through_the_form(as_admin, app_ctx):
    response = as_admin.post("/settings/routing/new", {
        **FORM, "last_chatted": "y", "last_chatted_days": "14"})
    assert response.status_code == 303
    [rule] = _rules()
    assert rule.last_chatted_days == 14
    listed = as_admin.get("/settings/routing/").get_data(as_text=True)
    assert "last chatted rep (14 days) → Outreach sender → Salesforce owner;" in listed
    edit = as_admin.get(f"/settings/routing/{rule.id}").get_data(as_text=True)
    box = re.search(r'<input[^>]*name="last_chatted"[^>]*>', edit).group(0)
    assert "checked" in box
    assert re.search(r'<input[^>]*name="last_chatted_days"[^>]*value="14"', edit)
    # Unticked: the step goes, whatever days the box still holds.
    response = as_admin.post(f"/settings/routing/{rule.id}", {**FORM, "last_chatted_days": "14"})
    assert response.status_code == 303
    assert _rules()[0].last_chatted_days is None
