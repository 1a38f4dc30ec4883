"""The reps section: per rep and per group (the rep's current groups), offers and how
they ended, time to accept (p50/p90), chats, messages and meetings booked."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from liveapp.extensions import db
from liveapp.models.conversation import Conversation, Message
from liveapp.models.history import Offer
from liveapp.models.meeting import Meeting
from liveapp.models.user import Group, User, group_members
from liveapp.services.reports import accept_times, where
from liveapp.services.reports.accept_times import Percentiles
from liveapp.services.reports.filters import Filters
from liveapp.services.reports.scope import Window, rep_scope
from liveapp.services.reports.tables import Table, seconds

COUNTS = ("offers", "accepted", "declined", "timeout", "chats", "messages", "meetings")
COLUMNS = ("Offers", "Accepted", "Declined", "Timed out", "Accept p50 (s)",
           "Accept p90 (s)", "Chats", "Messages", "Meetings booked")
NOTE = ("Offers: inbound chat requests, and pounce assignments under Round Robin or "
        "Balanced (a First Available pounce offers no one: every candidate sees the visitor "
        "and the first to start a chat has it); time to accept: offered to accepted; chats: "
        "conversations started; messages: sent by the rep")


@dataclass
class Tally:
    """One rep's (or group's) figures over the range."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))
    accept: Percentiles = (None, None)

    def add(self, other: Tally) -> None:
        for key, value in other.counts.items():
            self.counts[key] += value

    def cells(self) -> tuple:
        c = self.counts
        return (c["offers"], c["accepted"], c["declined"], c["timeout"],
                seconds(self.accept[0]), seconds(self.accept[1]),
                c["chats"], c["messages"], c["meetings"])


def tallies(filters: Filters) -> dict[int, Tally]:
    """rep id -> their figures, for every rep with any (and every rep in scope)."""
    window = Window.of(filters)
    found: dict[int, Tally] = {}

    def of(rep_id: int) -> Tally:
        return found.setdefault(rep_id, Tally())

    offer_where = where.offers(filters, window)
    for rep_id, outcome, count in db.session.execute(
            select(Offer.rep_id, Offer.outcome, func.count()).where(*offer_where)
            .group_by(Offer.rep_id, Offer.outcome)):
        of(rep_id).counts["offers"] += count
        if outcome in COUNTS:
            of(rep_id).counts[outcome] += count
    for rep_id, accept in accept_times.per_rep(filters).items():
        of(rep_id).accept = accept
    for key, rows in _activity(filters, window).items():
        for rep_id, count in rows:
            if rep_id is not None:
                of(rep_id).counts[key] += count
    for rep_id in rep_scope(filters) or []:
        of(rep_id)
    return found


def _activity(filters: Filters, window: Window) -> dict[str, list]:
    chats = db.session.execute(
        select(Conversation.rep_id, func.count()).where(*where.conversations(filters, window))
        .group_by(Conversation.rep_id)).all()
    query = select(Message.rep_id, func.count()).where(
        window.between(Message.sent_at), Message.sender == "rep").group_by(Message.rep_id)
    if (reps := rep_scope(filters)) is not None:  # the sender (a chat may change reps)
        query = query.where(Message.rep_id.in_(reps))
    if facts := where.visitor_facts(Conversation.visitor_id, Message.sent_at, filters,
                                    window):
        query = query.join(Conversation).where(*facts)  # else no join: the index does
    messages = db.session.execute(query).all()
    meetings = db.session.execute(
        select(Meeting.rep_id, func.count()).where(*where.meetings(filters, window))
        .group_by(Meeting.rep_id)).all()
    return {"chats": chats, "messages": messages, "meetings": meetings}


def per_rep(filters: Filters, found: dict[int, Tally] | None = None) -> Table:
    found = tallies(filters) if found is None else found
    names = dict(db.session.execute(
        select(User.id, User.name).where(User.id.in_(list(found)))).all())
    rows = sorted(((names.get(rep_id, f"Deleted user {rep_id}"), *tally.cells())
                   for rep_id, tally in found.items()), key=lambda row: row[0])
    return Table("reps", "reps", "Per rep", ("Rep", *COLUMNS), rows, "bar",
                 series=(1, 2, 3, 4), note=NOTE + where.facts_note(filters))


def per_group(filters: Filters, found: dict[int, Tally] | None = None,
              accept: dict[int, Percentiles] | None = None) -> Table:
    """A group's figures: the sum of its current members' (within the rep filter); accept:
    group id -> time to accept, pooled over its members (None: read the offers)."""
    found = tallies(filters) if found is None else found
    query = select(Group.id, Group.name, group_members.c.user_id).join(
        group_members, group_members.c.group_id == Group.id)
    if filters.group_id is not None:
        query = query.where(Group.id == filters.group_id)
    if (reps := rep_scope(filters)) is not None:
        query = query.where(group_members.c.user_id.in_(reps))
    groups: dict[str, Tally] = {}
    accept = accept_times.per_group(filters) if accept is None else accept
    for group_id, name, rep_id in db.session.execute(query):
        groups.setdefault(name, Tally(accept=accept.get(group_id, (None, None))))
        groups[name].add(found.get(rep_id, Tally()))
    rows = [(name, *tally.cells()) for name, tally in sorted(groups.items())]
    return Table("groups", "reps", "Per group", ("Group", *COLUMNS), rows, "bar",
                 series=(1, 2, 3, 4),
                 note=NOTE + "; a group: its current members" + where.facts_note(filters))


def section(filters: Filters) -> list[Table]:
    """Per rep and per group from one pass over the reps' figures."""
    found = tallies(filters)
    return [per_rep(filters, found), per_group(filters, found)]


TABLES = {"reps": per_rep, "groups": per_group}
