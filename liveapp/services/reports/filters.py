"""The report filters: what the URL says (dates in a time zone, site, stream, rule, rep,
group), checked against the database and the viewer (a rep sees only their own)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from liveapp.extensions import db
from liveapp.models.routing import RoutingRule
from liveapp.models.site import Site
from liveapp.models.stream import Stream
from liveapp.models.user import Group, User

DEFAULT_DAYS = 30
MAX_DAYS = 366
# URL argument -> (Filters field, model whose id it names, how the message names it)
ID_ARGS = {
    "site": ("site_id", Site, "site"),
    "stream": ("stream_id", Stream, "stream"),
    "rule": ("rule_id", RoutingRule, "routing rule"),
    "rep": ("rep_id", User, "rep"),
    "group": ("group_id", Group, "group"),
}


class BadFilter(ValueError):
    """A filter the report cannot use; the message says which and why (shown with a 400)."""


class NotAllowed(BadFilter):
    """A rep asked for another rep's figures, or a group they are not in."""


@dataclass(frozen=True)
class Filters:
    start: date  # first day, inclusive, in `tz`
    end: date  # last day, inclusive, in `tz`
    tz: str  # IANA zone
    site_id: int | None = None
    stream_id: int | None = None
    rule_id: int | None = None
    rep_id: int | None = None  # forced to the viewer's id when the viewer is a rep
    group_id: int | None = None

    def query_args(self) -> dict[str, str]:
        """The URL arguments that give these filters back (for links and CSV)."""
        args = {"from": self.start.isoformat(), "to": self.end.isoformat(), "tz": self.tz}
        for arg, (field, _, _) in ID_ARGS.items():
            if (value := getattr(self, field)) is not None:
                args[arg] = str(value)
        return args

    @property
    def day_count(self) -> int:
        return (self.end - self.start).days + 1


def parse_filters(args: Mapping[str, str], viewer: User, today: date | None = None
                  ) -> Filters:
    """Filters from URL arguments, defaulting to the last 30 days ending today in the
    viewer's zone. Raises BadFilter (NotAllowed for another rep's figures)."""
    tz = _zone(_arg(args, "tz") or viewer.time_zone or "UTC")
    today = today or datetime.now(UTC).astimezone(ZoneInfo(tz)).date()
    end = _day(args, "to") or today
    start = _day(args, "from") or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise BadFilter(f"from ({start}) is after to ({end})")
    if (end - start).days + 1 > MAX_DAYS:
        raise BadFilter(f"the range is {(end - start).days + 1} days; at most {MAX_DAYS}")
    ids = {field: _known_id(args, arg, model, label)
           for arg, (field, model, label) in ID_ARGS.items()}
    ids = _scoped(ids, viewer)
    return Filters(start=start, end=end, tz=tz, **ids)


def _arg(args: Mapping[str, str], name: str) -> str:
    return (args.get(name) or "").strip()


def _zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadFilter(f"tz: unknown time zone {name!r}") from None
    return name


def _day(args: Mapping[str, str], name: str) -> date | None:
    if not (value := _arg(args, name)):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadFilter(f"{name}: {value!r} is not a date (YYYY-MM-DD)") from None


def _known_id(args: Mapping[str, str], arg: str, model, label: str) -> int | None:
    if not (value := _arg(args, arg)):
        return None
    if not value.isdigit() or len(value) > 12:
        raise BadFilter(f"{arg}: {value!r} is not a {label} id")
    if db.session.get(model, int(value)) is None:
        raise BadFilter(f"{arg}: there is no {label} {value}")
    return int(value)


def _scoped(ids: dict[str, int | None], viewer: User) -> dict[str, int | None]:
    """A rep's filters name only themselves and their own groups."""
    if viewer.is_admin:
        return ids
    if ids["rep_id"] not in (None, viewer.id):
        raise NotAllowed("rep: a rep sees only their own figures")
    if ids["group_id"] is not None and ids["group_id"] not in {g.id for g in viewer.groups}:
        raise NotAllowed("group: a rep sees only the groups they are in")
    return {**ids, "rep_id": viewer.id}
