"""What the reports' filter form offers a viewer: sites, streams, routing rules, and the
reps and groups whose figures they may see (an admin: all; a rep: no rep to pick, and
only the groups they are in)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from liveapp.extensions import db
from liveapp.models import Group, RoutingRule, Site, Stream, User


@dataclass(frozen=True)
class Choices:
    """(id, name) pairs per filter, sorted by name."""

    sites: list[tuple[int, str]]
    streams: list[tuple[int, str]]
    rules: list[tuple[int, str]]
    reps: list[tuple[int, str]]
    groups: list[tuple[int, str]]


def _pairs(model, *where) -> list[tuple[int, str]]:
    rows = db.session.execute(select(model.id, model.name).where(*where).order_by(model.name))
    return [(row.id, row.name) for row in rows]


def for_viewer(viewer: User) -> Choices:
    """The filter form's options for this viewer."""
    if viewer.is_admin:
        reps, groups = _pairs(User), _pairs(Group)
    else:
        reps, groups = [], [(g.id, g.name) for g in viewer.groups]
    return Choices(sites=_pairs(Site), streams=_pairs(Stream), rules=_pairs(RoutingRule),
                   reps=reps, groups=groups)
