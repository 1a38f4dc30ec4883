"""Reports (issue 19): a stand-in with the contract's API until rdata's queries land on
this branch; `git merge rdata` replaces this file.

    filter_choices  the filter form's options for a viewer
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

SECTIONS = ("visitors", "routing", "reps", "conversations")


class BadFilter(ValueError):
    """A filter that cannot be used; the message says which and why."""


class NotAllowed(BadFilter):
    """A rep asking for figures that are not theirs."""


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    tz: str
    site_id: int | None = None
    stream_id: int | None = None
    rule_id: int | None = None
    rep_id: int | None = None
    group_id: int | None = None

    def query_args(self) -> dict[str, str]:
        args = {"from": self.start.isoformat(), "to": self.end.isoformat(), "tz": self.tz}
        for name in ("site", "stream", "rule", "rep", "group"):
            value = getattr(self, f"{name}_id")
            if value is not None:
                args[name] = str(value)
        return args


@dataclass(frozen=True)
class Table:
    key: str
    section: str
    title: str
    columns: tuple[str, ...]
    rows: list[tuple]
    chart: str
    x: int = 0
    series: tuple[int, ...] = ()
    unit: str = ""
    note: str | None = None


def _day(args: Mapping[str, str], name: str, default: date) -> date:
    try:
        return date.fromisoformat(args[name]) if args.get(name) else default
    except ValueError:
        raise BadFilter(f"{name}: not a date (YYYY-MM-DD)") from None


def parse_filters(args: Mapping[str, str], viewer, today: date | None = None) -> Filters:
    today = today or date.today()
    end = _day(args, "to", today)
    start = _day(args, "from", end - timedelta(days=29))
    ids = {}
    for name in ("site", "stream", "rule", "rep", "group"):
        value = args.get(name) or None
        if value is not None and not value.isdigit():
            raise BadFilter(f"{name}: not an id")
        ids[f"{name}_id"] = int(value) if value else None
    if not viewer.is_admin:
        if ids["rep_id"] not in (None, viewer.id):
            raise NotAllowed("rep: you may see only your own figures")
        ids["rep_id"] = viewer.id
    return Filters(start, end, args.get("tz") or viewer.time_zone or "UTC", **ids)


def report(section: str, filters: Filters) -> list[Table]:
    return []


def table(key: str, filters: Filters) -> Table:
    raise KeyError(key)
