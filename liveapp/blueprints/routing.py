"""Settings → Routing: ordered rules that say which reps get a visitor, and how."""

from __future__ import annotations

import functools

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, RadioField, SelectMultipleField, StringField

from liveapp.access import admin_required
from liveapp.blueprints.forms import criteria_form
from liveapp.blueprints.segments import MATCH_CHOICES, builder_context
from liveapp.errors import ValidationFailed
from liveapp.extensions import db
from liveapp.models import Group, RoutingRule, User
from liveapp.services.membership import criteria_refs
from liveapp.services.routing import routing_rules as rule_service

bp = Blueprint("routing", __name__, url_prefix="/settings/routing")

OUTREACH_CHOICES = [
    ("", "Off"), ("sender", "Email sender"), ("owner", "Prospect owner"), ("both", "Both"),
]
DISTRIBUTION_CHOICES = [
    ("first_available", "First Available: alert every matching rep; the first to accept wins"),
    ("round_robin", "Round Robin: offer to one rep at a time, in turn"),
    ("balanced", "Balanced: offer to the rep with the fewest open chats"),
]
WHEN_NOBODY_CHOICES = [
    ("meeting_booker", "Show the meeting booker"),
    ("queue", "Keep the visitor waiting in the queue for the next free rep"),
]
# Validation is the routing domain's (through the service), so fields take what is sent.
TARGETS = ("route_to_users", "route_to_groups", "fallback_users", "fallback_groups")


class RuleForm(FlaskForm):
    name = StringField("Name")
    active = BooleanField("Active", default=True)
    match = RadioField("Visitors match when they meet", choices=MATCH_CHOICES, default="all",
                       validate_choice=False)
    last_chatted = BooleanField("The rep who chatted with them last")
    last_chatted_days = StringField("Within (days)", default="30")
    outreach_mode = RadioField("Outreach / Salesloft", choices=OUTREACH_CHOICES, default="",
                               validate_choice=False)
    salesforce_owner = BooleanField("Salesforce owner (Contact or Lead, else the Account)")
    account_team = BooleanField("Account Team Member")
    account_team_roles = StringField("Roles (comma separated; empty for every role)")
    route_to_all = BooleanField("All users")
    route_to_users = SelectMultipleField("Users", validate_choice=False)
    route_to_groups = SelectMultipleField("Groups", validate_choice=False)
    fallback_users = SelectMultipleField("Fallback users", validate_choice=False)
    fallback_groups = SelectMultipleField("Fallback groups", validate_choice=False)
    distribution = RadioField("Distribution", choices=DISTRIBUTION_CHOICES,
                              default="first_available", validate_choice=False)
    offer_timeout_seconds = StringField("Offer timeout (seconds)", default="30")
    when_nobody = RadioField("When nobody is available", choices=WHEN_NOBODY_CHOICES,
                             default="meeting_booker", validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        users = db.session.scalars(select(User).order_by(User.name))
        user_choices = [(str(u.id), _user_label(u)) for u in users]
        groups = db.session.scalars(select(Group).order_by(Group.name))
        group_choices = [(str(g.id), g.name) for g in groups]
        for key in TARGETS:
            getattr(self, key).choices = user_choices if key.endswith("users") else group_choices

    def load(self, rule: RoutingRule) -> None:
        """Show a saved rule's values."""
        self.match.data = rule.criteria.get("match", "all")
        self.outreach_mode.data = rule.outreach_mode or ""
        self.account_team_roles.data = ", ".join(rule.account_team_roles or [])
        self.offer_timeout_seconds.data = str(rule.offer_timeout_seconds)
        self.last_chatted.data = rule.last_chatted_days is not None
        if rule.last_chatted_days is not None:
            self.last_chatted_days.data = str(rule.last_chatted_days)
        for key in TARGETS:
            getattr(self, key).data = [str(row.id) for row in getattr(rule, key)]

    def values(self, rows: list[criteria_form.Row], enterprise: bool) -> dict:
        """What the service validates and saves."""
        values = {
            key: getattr(self, key).data for key in (
                "name", "active", "last_chatted", "last_chatted_days", "outreach_mode",
                "salesforce_owner", "route_to_all",
                *TARGETS, "distribution", "offer_timeout_seconds", "when_nobody")
        }
        values["criteria"] = criteria_form.criteria_from_rows(self.match.data, rows)
        # Sent even with the flag off (the form then hides it) so validation refuses it.
        values["account_team"] = self.account_team.data
        if enterprise:
            values["account_team_roles"] = self.account_team_roles.data or ""
        return values

    def show_errors(self, errors: dict) -> None:
        for key, message in errors.items():
            if key != "criteria" and hasattr(self, key):
                getattr(self, key).errors = [message]


def _user_label(user: User) -> str:
    return user.name if user.active else f"{user.name} (deactivated)"


def _list_context(rules: list[RoutingRule], error: str | None = None) -> dict:
    names = criteria_refs.choices().names()
    return {
        "rules": rules, "error": error, "hidden_by": rule_service.hidden_rules(rules),
        "summary": rule_service.summary,
        "describe": functools.partial(rule_service.describe_criteria, names=names),
    }


@bp.get("/")
@admin_required
def index():
    return render_template("routing/index.html", **_list_context(rule_service.ordered_rules()))


@bp.route("/new", methods=["GET", "POST"], defaults={"rule_id": None})
@bp.route("/<int:rule_id>", methods=["GET", "POST"])
@admin_required
def edit(rule_id: int | None):
    rule = db.get_or_404(RoutingRule, rule_id) if rule_id is not None else None
    form = RuleForm(obj=rule)
    enterprise = rule_service.enterprise_enabled()
    rows, general, route_to_error = _rows(form, rule), [], None
    if form.validate_on_submit():
        try:
            saved = rule_service.save_rule(rule, form.values(rows, enterprise),
                                           enterprise=enterprise)
        except ValidationFailed as failed:
            form.show_errors(failed.errors)
            route_to_error = failed.errors.get("route_to")
            general = criteria_form.attach_errors(rows, failed.errors.get("criteria", []))
        else:
            flash(f"Saved routing rule {saved.name}.", "success")
            return redirect(url_for("routing.index"), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template(
        "routing/form.html", form=form, rule=rule, rows=rows, general_errors=general,
        route_to_error=route_to_error, enterprise=enterprise, **builder_context("routing"),
        hidden_by=rule_service.hidden_by(rule) if rule is not None else None,
    ), status


def _rows(form: RuleForm, rule: RoutingRule | None) -> list[criteria_form.Row]:
    """The condition rows to show: as submitted, as saved, or none (every visitor)."""
    if form.is_submitted():
        return criteria_form.rows_from_form(request.form)
    if rule is not None:
        form.load(rule)
        return criteria_form.rows_from_criteria(rule.criteria)
    return []


@bp.post("/reorder")
@admin_required
def reorder():
    """Save the order from drag and drop (htmx) and return the re-rendered list."""
    try:
        ids = [int(value) for value in request.form.getlist("order")]
        rules = rule_service.reorder(ids)
    except (ValueError, ValidationFailed):
        context = _list_context(rule_service.ordered_rules(),
                                "The order could not be saved; the list was reloaded.")
        return render_template("routing/_list.html", **context), 400
    return render_template("routing/_list.html", **_list_context(rules))


@bp.route("/<int:rule_id>/delete", methods=["GET", "POST"])
@admin_required
def delete(rule_id: int):
    rule = db.get_or_404(RoutingRule, rule_id)
    if request.method == "GET":
        return render_template("routing/delete.html", rule=rule)
    name = rule.name
    rule_service.delete_rule(rule)
    flash(f"Deleted routing rule {name}.", "success")
    return redirect(url_for("routing.index"), code=303)
