"""The admin at Settings: routing rules through the real forms, as a browser submits
them (the form's own fields as rendered, with a person's changes)."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser
from typing import Any

import httpx

from tests.scenarios.people import Rep, Visitor


class _Form(HTMLParser):
    """The fields a browser would submit for one form of a page."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.select: tuple[str, bool] | None = None
        self.textarea: list[str] | None = None  # [name, text so far] inside a textarea
        self.fields: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside or "name" not in a and tag != "option":
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button"):
                self.fields.append((a["name"], a.get("value", "on" if kind == "checkbox"
                                                        else "")))
        elif tag == "select":
            self.select = (a["name"], "multiple" in a)
        elif tag == "textarea":
            self.textarea = [a["name"], ""]
        elif tag == "option" and self.select and "selected" in a:
            self.fields.append((self.select[0], a.get("value", "")))

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self.textarea is not None:
            name, text = self.textarea
            self.fields.append((name, unescape(text.removeprefix("\n"))))
            self.textarea = None
        elif tag == "select":
            self.select = None


def form_errors(page: str) -> list[str]:
    """The field errors a re-rendered form shows."""
    return [unescape(e) for e in re.findall(r'<p class="error" role="alert">([^<]*)</p>', page)]


def form_fields(page: str, form_id: str) -> list[tuple[str, str]]:
    parser = _Form(form_id)
    parser.feed(page)
    return parser.fields


class Admin(Rep):
    """The admin: a board like a rep's, and Settings through the real forms."""

    def rule_ids(self) -> dict[str, int]:
        """Routing rules by name, in their order."""
        found = re.findall(r'<h3><a href="/settings/routing/(\d+)">([^<]+)</a>',
                           self.page("/settings/routing/"))
        return {unescape(name): int(rule_id) for rule_id, name in found}

    def save_rule(self, name: str | None, changes: dict[str, Any]) -> httpx.Response:
        """Open the rule's form (a new one when `name` is None), change some fields as a
        person would (a list sets a multiple choice; None clears a field) and save."""
        path = "/settings/routing/new" if name is None else \
            f"/settings/routing/{self.rule_ids()[name]}"
        return self._submit(path, "rule-form", changes)

    def _submit(self, path: str, form_id: str, changes: dict[str, Any]) -> httpx.Response:
        """The form as rendered at `path`, with `changes` (a list sets a multiple choice;
        None clears a field), submitted."""
        fields: dict[str, list[str]] = {}
        for key, value in form_fields(self.page(path), form_id):
            fields.setdefault(key, []).append(value)
        for key, value in changes.items():
            values = value if isinstance(value, list) else [] if value is None else [value]
            fields[key] = [str(v) for v in values]
        return self.http.post(path, data=fields)

    def group_ids(self) -> dict[str, int]:
        found = re.findall(r'<a href="/settings/groups/(\d+)">([^<]+)</a>',
                           self.page("/settings/groups/"))
        return {unescape(name): int(group_id) for group_id, name in found}

    def save_group(self, name: str, changes: dict[str, Any]) -> httpx.Response:
        """Open the group's form (a new one when there is no group `name`), change some
        fields (members, time zone, "days-0".."days-6", holidays, limit_hours) and save."""
        group_id = self.group_ids().get(name)
        path = "/settings/groups/new" if group_id is None else f"/settings/groups/{group_id}"
        return self._submit(path, "group-form", {"name": name, **changes})

    def move_rule_to_top(self, name: str) -> None:
        """Drag the rule to the top of the list (the list's reorder request)."""
        ids = self.rule_ids()
        order = [ids[name], *[i for n, i in ids.items() if n != name]]
        response = self.post("/settings/routing/reorder", {"order": [str(i) for i in order]})
        assert response.status_code == 200, response.text
        assert list(self.rule_ids().values()) == order

    def visitor_crm(self, visitor: Visitor) -> str:
        """What Settings → Visitors shows of the visitor's CRM look-ups, as text."""
        page = self.http.get(f"/settings/visitors/{visitor.id}")
        if page.status_code == 404:
            return ""
        found = re.search(r'<dl class="facts crm".*?</dl>', page.text, re.S)
        return " ".join(unescape(re.sub(r"<[^>]+>", " ", found.group(0))).split())

    def option(self, path: str, label: str) -> str:
        """The value of the first choice labelled `label` on a settings page: an <option>
        of a select, or a checkbox of a checklist."""
        page, name = self.page(path), re.escape(label)
        found = re.search(rf'<option value="([^"]+)"[^>]*>{name}</option>', page) or \
            re.search(rf'<input type="checkbox" name="[^"]+" value="([^"]+)"[^>]*>'
                      rf'<span>{name}</span>', page)
        assert found, f"no option {label!r} on {path}"
        return found.group(1)

    def segment_id(self, name: str) -> int:
        found = re.search(rf'<a href="/settings/segments/(\d+)">{re.escape(name)}</a>',
                          self.page("/settings/segments/"))
        assert found, f"no segment {name!r}"
        return int(found.group(1))

    def new_rule(self, name: str, conditions: list[tuple[str, str, Any]],
                 **fields: Any) -> httpx.Response:
        """Create a routing rule through the form (conditions: field, operator, value) and
        drag it to the top, above the demo's rules; returns the form's answer."""
        changes: dict[str, Any] = {"name": name, "match": "all", **fields}
        for index, (field, operator, value) in enumerate(conditions):
            changes.update({f"conditions-{index}-field": field,
                            f"conditions-{index}-operator": operator,
                            f"conditions-{index}-value": value})
        saved = self.save_rule(None, changes)
        if saved.status_code == 303:
            self.move_rule_to_top(name)
        return saved

    def delete_rule(self, name: str) -> None:
        rule_id = self.rule_ids()[name]
        response = self.http.post(f"/settings/routing/{rule_id}/delete",
                                  data={"csrf_token": self.csrf})
        assert response.status_code == 303, response.text
