"""Invitation triggers: when an experience opens the chat widget by itself.

The widget (liveapp-widget.js) arms the trigger its experience names, fires it at most once
per visit (the tab's session) and never while a chat is open or the widget already is:
- ``time_on_page``: after `value` seconds on the page;
- ``scroll_depth``: once the visitor has scrolled to `value` % of the page;
- ``exit_intent``: the pointer leaves the page through its top edge (towards the tabs and
  the address bar; desktop browsers only, a phone has no pointer);
- ``idle``: after `value` seconds with no pointer, key, scroll or touch.
No trigger (None): the widget only shows its launcher, the visitor opens it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# trigger -> (label, unit of its value or None, smallest, largest)
TRIGGERS: dict[str, tuple[str, str | None, int, int]] = {
    "time_on_page": ("After some time on the page", "seconds", 1, 600),
    "scroll_depth": ("When scrolled down the page", "%", 10, 100),
    "exit_intent": ("When the pointer leaves for the tabs (desktop)", None, 0, 0),
    "idle": ("After the visitor is idle", "seconds", 5, 600),
}


@dataclass(frozen=True, slots=True)
class Invitation:
    trigger: str
    value: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"trigger": self.trigger, "value": self.value}

    def describe(self) -> str:
        """The trigger in a few words, for the experiences list."""
        label, unit, _, _ = TRIGGERS[self.trigger]
        if unit is None:
            return label
        return f"{label}: {self.value}{'' if unit == '%' else ' '}{unit}"


def validate_invitation(raw: Any) -> list[str]:
    """Every problem with a JSON-safe invitation (``{"trigger", "value"}`` or None)."""
    if raw is None:
        return []
    if not isinstance(raw, dict) or raw.get("trigger") not in TRIGGERS:
        return ["choose when the chat opens by itself"]
    _, unit, low, high = TRIGGERS[raw["trigger"]]
    value = raw.get("value")
    if unit is None:
        return [] if value is None else ["this trigger takes no value"]
    if isinstance(value, bool) or not isinstance(value, int):
        return [f"give the {'percentage' if unit == '%' else 'number of ' + unit}"]
    if not low <= value <= high:
        return [f"between {low} and {high} {unit}"]
    return []


def parse_invitation(raw: Any) -> Invitation | None:
    """An invitation from JSON-safe data (None: no trigger), raising ValueError."""
    errors = validate_invitation(raw)
    if errors:
        raise ValueError("; ".join(errors))
    return None if raw is None else Invitation(raw["trigger"], raw.get("value"))
