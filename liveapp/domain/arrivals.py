"""Pounce arrivals: the one line that tells a rep their prospect just arrived.

"Jane from Acme, from your Outreach sequence, is on Pricing": who (name, and company
when it says more), why they are the rep's (the routing decision's reason), and where.
Plain text: templates and the browser escape it where it is shown.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Arrival:
    """A visitor just routed to a rep for pounce, as the rep's notice shows it."""

    visitor_id: str
    name: str
    company: str | None = None
    reason: str | None = None  # "from your Outreach sequence", "via Target accounts"
    page: str = ""  # the page's title, else its URL

    @property
    def who(self) -> str:
        """"Jane from Acme", or just the name (or company) when that is all we know."""
        if self.company and self.company != self.name:
            return f"{self.name} from {self.company}"
        return self.name

    @property
    def headline(self) -> str:
        """The notice's line: who, why, and the page they are on."""
        where = f"is on {self.page}" if self.page else "just arrived"
        who = f"{self.who}, {self.reason}," if self.reason else self.who
        return f"{who} {where}"
