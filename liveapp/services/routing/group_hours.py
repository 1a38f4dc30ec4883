"""Groups' business hours as routing reads them: which groups are closed right now, and
the words the explanation gives for each."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy import select

from liveapp.domain import business_hours as rules
from liveapp.extensions import db
from liveapp.models import Group

log = logging.getLogger(__name__)


def hours_of(group: Group) -> rules.BusinessHours | None:
    """The group's business hours (None: always open); ValueError when damaged."""
    return rules.from_stored(group.time_zone or "UTC", group.business_hours,
                             group.holidays or ())


def closed_groups(now: float) -> dict[int, str]:
    """Group id -> "<name> closed (opens Mon 09:00 Europe/Berlin)" for every group
    outside its business hours at `now` (epoch seconds)."""
    instant = datetime.fromtimestamp(now, UTC)
    closed = {}
    for group in db.session.scalars(select(Group).where(Group.business_hours.is_not(None))):
        try:
            hours = hours_of(group)
            if not rules.is_open(hours, instant):
                closed[group.id] = rules.closed_words(group.name, hours, instant)
        except ValueError:
            # The form refuses bad hours; a row edited by hand counts as closed, and says so.
            log.warning("cannot read the business hours of group %s", group.id)
            closed[group.id] = f"{group.name} closed (its business hours cannot be read)"
    return closed
