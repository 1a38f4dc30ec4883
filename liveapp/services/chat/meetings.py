"""The meeting booker: whose calendar a visitor nobody answered sees, its free slots, and
booking one (the database refuses a second booking of the same rep and time).

The booker is offered only while the visitor's routing outcome is "meeting_booker" and
no rep has claimed them; a visitor waiting in the queue (a rule whose "when nobody"
is the queue) is not shown it: the next free rep gets them.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from liveapp.domain import meetings as domain
from liveapp.domain.events import normalise_email
from liveapp.domain.routing.hours import local_time
from liveapp.errors import BookingRefused
from liveapp.extensions import db, redis
from liveapp.infra import realtime
from liveapp.models import Meeting, RoutingRule, User, Visitor, utcnow
from liveapp.models.meeting import MAX_NOTE
from liveapp.services.bus import changes
from liveapp.services.crm import visitor_enrichment
from liveapp.services.live import prompts
from liveapp.services.live.rendering import render_template_anywhere
from liveapp.services.reports import stale
from liveapp.services.routing import assignments, router
from liveapp.services.routing.working_hours import OFFICE_HOURS
from liveapp.services.tracking import visitor_events

log = logging.getLogger(__name__)

EMAIL_SOURCE = "meeting"  # how a visitor who gave their email when booking is known
LENGTH = timedelta(minutes=domain.SLOT_MINUTES)
TAKEN = "start: that time was just taken"
ALREADY = "meeting: you already booked one"
BOOKING_LOCK_TTL = 10  # seconds; a crashed request stops blocking the visitor after this


@dataclass(frozen=True)
class Booker:
    """What the widget's meeting booker shows."""

    rep: User | None
    slots: list[datetime] = field(default_factory=list)


# ---------------------------------------------------------------- whose calendar


def offered(visitor_id: str) -> bool:
    """True while the visitor's inbound request ended at the meeting booker, or found
    the groups it was routed to closed (business hours)."""
    current = assignments.get(visitor_id)
    return (current is not None and current.claimed_by is None
            and (current.outcome == "meeting_booker" or bool(current.closed)))


def calendar_owner(visitor_id: str) -> User | None:
    """The rep the visitor's request was first offered to, else the first active chat
    user among the matched rule's fallbacks (users, then groups' members), else among the
    people the rule routes to (users, groups' members, everyone) — who would have been
    offered the chat had they been free — else None."""
    requested = redis.client.hget(router.state_key(visitor_id), "requested_at")
    first = domain.first_routed(router.history(visitor_id),
                                float(requested) if requested else None)
    rep = db.session.get(User, first.rep_id) if first.rep_id is not None else None
    if rep is not None and rep.active:
        return rep
    return _fallback(_rule(first.rule_id, visitor_id))


def _rule(rule_id: int | None, visitor_id: str) -> RoutingRule | None:
    if rule_id is not None:
        return db.session.get(RoutingRule, rule_id)
    current = assignments.get(visitor_id)
    if current is None or not current.rule_name:
        return None
    return db.session.scalar(select(RoutingRule).where(RoutingRule.name == current.rule_name))


def _fallback(rule: RoutingRule | None) -> User | None:
    if rule is None:
        return None
    people = list(rule.fallback_users)
    people += [m for g in rule.fallback_groups for m in g.members]
    people += list(rule.route_to_users)
    people += [m for g in rule.route_to_groups for m in g.members]
    found = next((u for u in people if u.active and u.is_chat_user), None)
    if found is None and rule.route_to_all:
        found = db.session.scalar(select(User).where(
            User.active.is_(True), User.is_chat_user.is_(True)).order_by(User.id).limit(1))
    return found


# ---------------------------------------------------------------- slots


def booker_for(visitor_id: str, now: datetime | None = None) -> Booker:
    """The calendar owner and their free slots (naive UTC); raises BookingRefused (409)
    when the visitor is not at the meeting booker."""
    if not offered(visitor_id):
        raise BookingRefused(409, "booker: not offered")
    rep = calendar_owner(visitor_id)
    return Booker(rep, free_slots(rep, now) if rep is not None else [])


def free_slots(rep: User, now: datetime | None = None) -> list[datetime]:
    """The rep's free slots in the coming days; office hours when they set none."""
    now = now or utcnow()
    booked = db.session.scalars(select(Meeting).where(
        Meeting.rep_id == rep.id, Meeting.status == "booked", Meeting.ends_at > now))
    schedule = rep.working_hours if rep.working_hours is not None else OFFICE_HOURS
    try:
        return domain.free_slots(
            schedule, rep.time_zone,
            [domain.Booking(m.starts_at, m.ends_at) for m in booked], now)
    except ValueError:  # a damaged schedule or zone: no slots rather than a broken widget
        log.exception("cannot read the working hours of user %s", rep.id)
        return []


# ---------------------------------------------------------------- booking


def book(visitor: Visitor, start: object, email: object = None, note: object = None,
         now: datetime | None = None) -> Meeting:
    """Book a free slot of the visitor's calendar owner; raises BookingRefused.

    An email also identifies a visitor whose email is not known yet. Nothing is written
    when refused; two visitors booking one slot at once: the database keeps one.
    """
    email, note = _email(email), _note(note)
    starts_at = _start(start)
    # One booking at a time per visitor (two tabs, a double click): the other waits its
    # turn's answer, "you already booked one", instead of booking a second slot.
    lock = redis.key("meetings", "booking", visitor.id)
    if not redis.client.set(lock, "1", nx=True, ex=BOOKING_LOCK_TTL):
        raise BookingRefused(409, ALREADY)
    try:
        return _book(visitor, starts_at, email, note, now)
    finally:
        redis.client.delete(lock)


def _book(visitor: Visitor, starts_at: datetime, email: str | None, note: str | None,
          now: datetime | None) -> Meeting:
    if upcoming_for_visitor(visitor.id, now) is not None:
        raise BookingRefused(409, ALREADY)
    booker = booker_for(visitor.id, now)
    if booker.rep is None or starts_at not in booker.slots:
        if booker.rep is not None and _taken(booker.rep.id, starts_at):
            raise BookingRefused(409, TAKEN)
        raise BookingRefused(400, "start: not a free time")
    meeting = Meeting(visitor_id=visitor.id, rep_id=booker.rep.id, starts_at=starts_at,
                      ends_at=starts_at + LENGTH, email=email, note=note, status="booked")
    identified = email is not None and not visitor.email
    if identified:
        visitor_events.identify(visitor, email, EMAIL_SOURCE)
    # The visitor's chats it ends "in a meeting" may have started days ago.
    stale.mark_stale(stale.chats_a_meeting_counts_for(visitor.id, utcnow()))
    db.session.add(meeting)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise BookingRefused(409, TAKEN) from None
    _announce(visitor, meeting, identified)
    return meeting


def _taken(rep_id: int, starts_at: datetime) -> bool:
    """Someone else booked this rep at that time (the booker showed it free a moment ago)."""
    return db.session.scalar(select(Meeting.id).where(
        Meeting.rep_id == rep_id, Meeting.status == "booked",
        Meeting.starts_at < starts_at + LENGTH, Meeting.ends_at > starts_at).limit(1)) is not None


def _email(value: object) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    email = normalise_email(value) if isinstance(value, str) else None
    if email is None:
        raise BookingRefused(400, "email: is not a valid email address")
    return email


def _note(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise BookingRefused(400, "note: must be text")
    if len(value.strip()) > MAX_NOTE:
        raise BookingRefused(400, f"note: must be at most {MAX_NOTE} characters")
    return value.strip() or None


def _start(value: object) -> datetime:
    """An ISO-8601 time as naive UTC ("Z", an offset, or naive meaning UTC)."""
    if not isinstance(value, str):
        raise BookingRefused(400, "start: give a time such as 2026-12-02T14:00:00Z")
    try:
        moment = datetime.fromisoformat(value.strip())
        if moment.tzinfo:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        moment + LENGTH  # noqa: B018  (a meeting whose end is past year 9999 cannot be)
    except (ValueError, OverflowError):
        raise BookingRefused(400, "start: give a time such as 2026-12-02T14:00:00Z") from None
    return moment


def _announce(visitor: Visitor, meeting: Meeting, identified: bool) -> None:
    """Boards and timeline (a "meeting" change) and the visitor's widget."""
    if identified:
        changes.publish(visitor.id, "identify", email=visitor.email,
                        source=visitor.email_source)
        visitor_enrichment.request(visitor.id)
    changes.publish(visitor.id, "meeting", meeting_id=meeting.id, rep_id=meeting.rep_id,
                    rep_name=meeting.rep.name, start=iso(meeting.starts_at),
                    when=f"{meeting.starts_at:%a %d %b %H:%M} UTC",
                    status=meeting.status)
    realtime.send(realtime.visitor_channel(visitor.id), "meeting",
                  json.dumps(to_json(meeting)))
    _tell_rep(visitor, meeting)


def _tell_rep(visitor: Visitor, meeting: Meeting) -> None:
    """A notice at the top of the rep's open board and visitor pages (their prompts area)."""
    prompts.notify(meeting.rep_id, render_template_anywhere(
        "meetings/_notice.html", meeting=meeting, rep=meeting.rep,
        visitor_name=visitor.display_name))


def iso(moment: datetime) -> str:
    """Naive UTC as the widget API writes it: "2026-12-02T14:00:00Z"."""
    return moment.replace(microsecond=0).isoformat() + "Z"


def to_json(meeting: Meeting) -> dict:
    return {"id": meeting.id, "start": iso(meeting.starts_at), "end": iso(meeting.ends_at),
            "rep": meeting.rep.name}


# ---------------------------------------------------------------- reading


def upcoming_for_visitor(visitor_id: str, now: datetime | None = None) -> Meeting | None:
    """The visitor's next booked meeting that has not ended, if any."""
    return db.session.scalar(select(Meeting).where(
        Meeting.visitor_id == visitor_id, Meeting.status == "booked",
        Meeting.ends_at > (now or utcnow())).order_by(Meeting.starts_at).limit(1))


def has_meeting_with(rep_id: int, visitor_id: str) -> bool:
    """True when the visitor booked a meeting (not cancelled) with this rep."""
    return db.session.scalar(select(Meeting.id).where(
        Meeting.rep_id == rep_id, Meeting.visitor_id == visitor_id,
        Meeting.status == "booked").limit(1)) is not None


def upcoming_for(user: User, now: datetime | None = None) -> list[Meeting]:
    """Booked meetings that have not ended: a rep's own, every rep's for an admin."""
    query = select(Meeting).where(Meeting.status == "booked",
                                  Meeting.ends_at > (now or utcnow()))
    if not user.is_admin:
        query = query.where(Meeting.rep_id == user.id)
    return list(db.session.scalars(query.order_by(Meeting.starts_at, Meeting.id)))


def in_zone(moment: datetime, tz_name: str) -> datetime:
    """A naive UTC time on the wall clock of `tz_name` (UTC when the name is unknown)."""
    try:
        return local_time(moment, tz_name)
    except ValueError:
        return moment.replace(tzinfo=UTC)
