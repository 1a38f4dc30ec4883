"""The conversations section: pounce vs inbound, chats per day, the median first
response time, and chats that ended in a meeting."""

from __future__ import annotations

from sqlalchemy import and_, exists, func, or_, select

from liveapp.extensions import db
from liveapp.models.conversation import ORIGINS, Conversation, Message
from liveapp.models.meeting import Meeting
from liveapp.services.reports import where
from liveapp.services.reports.days import days, hist_percentile, merged
from liveapp.services.reports.filters import Filters
from liveapp.services.reports.scope import (
    Window,
    as_date,
    local_day,
    plus_hours,
    whole_seconds,
)
from liveapp.services.reports.tables import Table, seconds, share

MEETING_WITHIN_HOURS = 24
FIRST_RESPONSE_NOTE = ("First response: from the visitor's first message to the first "
                       "rep message after it, in whole seconds (chats where the visitor "
                       "wrote and a rep answered)")


def pounce_vs_inbound(filters: Filters, found: dict[str, int] | None = None) -> Table:
    """found: origin -> chats (None: count the conversations)."""
    if found is None:
        window = Window.of(filters)
        found = dict(db.session.execute(
            select(Conversation.origin, func.count())
            .where(*where.conversations(filters, window))
            .group_by(Conversation.origin)).all())
    whole = sum(found.values())
    rows = [(origin, found.get(origin, 0), share(found.get(origin, 0), whole))
            for origin in ORIGINS]
    return Table("pounce_vs_inbound", "conversations", "Pounce vs inbound chats",
                 ("Origin", "Chats", "Share %"), rows, "bar", series=(1,),
                 note="Pounce: a rep started it; inbound: the visitor asked"
                 + where.facts_note(filters))


def chats_per_day(filters: Filters, found: dict | None = None) -> Table:
    """found: (day, origin) -> chats."""
    if found is None:
        window = Window.of(filters)
        day = local_day(Conversation.started_at, filters, window)
        found = {(as_date(d), origin): n for d, origin, n in db.session.execute(
            select(day, Conversation.origin, func.count())
            .where(*where.conversations(filters, window))
            .group_by(day, Conversation.origin))}
    rows = []
    for d in days(filters.start, filters.end):
        counts = [found.get((d, origin), 0) for origin in ORIGINS]
        rows.append((d, *counts, sum(counts)))
    return Table("chats_per_day", "conversations", "Chats per day",
                 ("Day", *[o.capitalize() for o in ORIGINS], "Total"), rows, "stacked",
                 series=(1, 2),
                 note=f"Chats started per day in {filters.tz}{where.facts_note(filters)}")


def measured(conversation_where: list):
    """(conversation_id, took): each chat's first response in whole seconds (None: the
    visitor wrote and no rep answered), for the conversations `conversation_where` keeps."""
    first_visitor = (
        select(Message.conversation_id, func.min(Message.sent_at).label("at"))
        .join(Conversation).where(*conversation_where, Message.sender == "visitor")
        .group_by(Message.conversation_id).subquery())
    reply = (select(func.min(Message.sent_at)).where(
        Message.conversation_id == first_visitor.c.conversation_id, Message.sender == "rep",
        Message.sent_at >= first_visitor.c.at).scalar_subquery())
    found = select(first_visitor.c.conversation_id, first_visitor.c.at,
                   reply.label("reply")).subquery()
    return select(found.c.conversation_id,
                  whole_seconds(found.c.reply, found.c.at).label("took")).subquery()


def first_response_seconds(filters: Filters) -> dict[str, dict[int, int]]:
    """origin -> {whole seconds of first response: chats}."""
    window = Window.of(filters)
    times = measured(where.conversations(filters, window))
    found: dict[str, dict[int, int]] = {origin: {} for origin in ORIGINS}
    for origin, took, count in db.session.execute(
            select(Conversation.origin, times.c.took, func.count())
            .join(times, times.c.conversation_id == Conversation.id)
            .group_by(Conversation.origin, times.c.took)):
        if took is not None:  # not answered (filtered here: in SQL it would rank twice)
            found[origin][int(took)] = found[origin].get(int(took), 0) + count
    return found


def first_response(filters: Filters, found: dict[str, dict[int, int]] | None = None) -> Table:
    found = first_response_seconds(filters) if found is None else found
    every = merged(found.values())
    rows = [(origin, sum(hist.values()), seconds(hist_percentile(hist, 50)))
            for origin, hist in found.items()]
    rows.append(("all", sum(every.values()), seconds(hist_percentile(every, 50))))
    return Table("first_response", "conversations", "Median first response time",
                 ("Origin", "Chats measured", "Median (s)"), rows, "bar", series=(2,),
                 unit="s", note=FIRST_RESPONSE_NOTE + where.facts_note(filters))


def booked_after():
    """The conversation's visitor booked a meeting during it or within 24 hours of its
    close (meetings do not name the chat they came from), as SQL."""
    return exists().where(
        Meeting.visitor_id == Conversation.visitor_id, Meeting.status == "booked",
        Meeting.created_at >= Conversation.started_at,
        or_(Conversation.closed_at.is_(None),
            Meeting.created_at <= plus_hours(Conversation.closed_at, MEETING_WITHIN_HOURS)))


def chats_with_meeting(filters: Filters, per_origin: Table | None = None,
                       found: dict[str, int] | None = None) -> Table:
    """Chats after which the same visitor booked a meeting (booked_after); found: origin
    -> such chats."""
    if found is None:
        window = Window.of(filters)
        found = dict(db.session.execute(
            select(Conversation.origin, func.count())
            .where(and_(*where.conversations(filters, window)), booked_after())
            .group_by(Conversation.origin)).all())
    per_origin = pounce_vs_inbound(filters) if per_origin is None else per_origin
    chats = {row[0]: row[1] for row in per_origin.rows}
    rows = [(origin, chats.get(origin, 0), found.get(origin, 0),
             share(found.get(origin, 0), chats.get(origin, 0))) for origin in ORIGINS]
    return Table("chats_with_meeting", "conversations", "Chats that ended in a meeting",
                 ("Origin", "Chats", "With a meeting", "Share %"), rows, "bar",
                 series=(2,), note="A meeting the visitor booked during the chat or within "
                 f"{MEETING_WITHIN_HOURS} h after it closed{where.facts_note(filters)}")


def section(filters: Filters) -> list[Table]:
    """The section's tables, counting chats per origin once."""
    per_origin = pounce_vs_inbound(filters)
    return [per_origin, chats_per_day(filters), first_response(filters),
            chats_with_meeting(filters, per_origin)]


TABLES = {"pounce_vs_inbound": pounce_vs_inbound, "chats_per_day": chats_per_day,
          "first_response": first_response, "chats_with_meeting": chats_with_meeting}
