"""Visitors per hour and stream, for reports (issue 19): written by the event pipeline,
one row per visitor, UTC hour and stream, with what was known of the visitor then."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import time_machine
from sqlalchemy import event as sa_event
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from liveapp.extensions import db
from liveapp.models import Visitor
from liveapp.models.history import VisitorHour
from liveapp.services.membership import live_membership
from liveapp.services.tracking import pipeline
from tests.factories import ExperienceFactory, StreamFactory
from tests.visitor_ids import VisitorId

HOME = "https://www.example.com/"
PRICING = "https://www.example.com/pricing"


def hours(vid: str) -> list[tuple]:
    db.session.expire_all()
    return [(h.hour, h.stream_id, h.identified, h.target, h.company_domain, h.company_name)
            for h in db.session.scalars(select(VisitorHour).where(
                VisitorHour.visitor_id == vid).order_by(VisitorHour.hour, VisitorHour.id))]


def this_hour(at: float | None = None) -> datetime:
    now = datetime.fromtimestamp(time.time() if at is None else at, UTC)
    return now.replace(minute=0, second=0, microsecond=0, tzinfo=None)


def pricing_stream():
    pricing = ExperienceFactory(name="Pricing Page", targeting=[
        {"kind": "contains", "value": "/pricing", "exclude": False}])
    stream = StreamFactory(name="Pricing", position=0, experiences=[pricing])
    live_membership.bump_settings_version()
    return stream


class Writes:
    """Counts the statements written to visitor_hours."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, conn, cursor, statement, *args) -> None:
        if "visitor_hours" in statement and not statement.lstrip().upper().startswith("SELECT"):
            self.seen.append(statement)

    def __enter__(self):
        sa_event.listen(db.engine, "before_cursor_execute", self)
        return self

    def __exit__(self, *exc) -> None:
        sa_event.remove(db.engine, "before_cursor_execute", self)


def test_one_row_per_visitor_hour_and_stream_with_what_was_known(api, app_ctx):
    stream = pricing_stream()
    vid = VisitorId()
    hour = this_hour()
    assert api.send(visitor_id=vid, url=HOME).status_code == 202
    assert hours(vid) == [(hour, 0, False, False, None, None)]  # in no stream
    site_id = db.session.scalar(select(VisitorHour.site_id))
    assert site_id == db.session.get(Visitor, vid).site_id
    assert api.send(visitor_id=vid, url=PRICING).status_code == 202
    assert hours(vid) == [(hour, 0, False, False, None, None),
                          (hour, stream.id, False, False, None, None)]
    with Writes() as writes:  # more of the same hour: Redis says it is written already
        for _ in range(3):
            assert api.send(visitor_id=vid, url=PRICING).status_code == 202
    assert writes.seen == []
    # Identified later in the hour: that hour's rows say so.
    assert api.send(visitor_id=vid, type="identify", email="ann@acme.example",
                    url=PRICING).status_code == 202
    assert [row[2] for row in hours(vid)] == [True, True]


def test_enriched_later_in_the_hour_then_the_next_hour(api, app_ctx):
    vid = VisitorId()
    hour = this_hour()
    assert api.send(visitor_id=vid, url=HOME).status_code == 202
    visitor = db.session.get(Visitor, vid)
    visitor.abm_target, visitor.company_domain, visitor.company_name = True, "acme.example", "Acme"
    db.session.commit()  # as enrichment does, outside the pipeline
    assert api.send(visitor_id=vid, url=PRICING).status_code == 202
    assert hours(vid) == [(hour, 0, False, True, "acme.example", "Acme")]
    later = time.time() + 3600
    with time_machine.travel(later):
        assert api.send(visitor_id=vid, url=HOME).status_code == 202
    assert [(h, s) for h, s, *_ in hours(vid)] == [(hour, 0), (this_hour(later), 0)]


def test_a_batch_delivered_again_or_with_its_notes_lost_adds_nothing(
        stream_mode, api, app):
    from liveapp.extensions import redis

    visitors = [VisitorId() for _ in range(3)]
    for vid in visitors:
        api.send(visitor_id=vid, url=HOME)
        api.send(visitor_id=vid, url=PRICING)
    with app.app_context():
        pipeline.ensure_groups()
        entries = pipeline.read("consumer-a", 50)
        pipeline.process_batch(entries)
        assert db.session.scalar(select(func.count()).select_from(VisitorHour)) == 3
        redis.client.delete(*redis.client.keys(redis.key("reports", "vh", "*")))
        pipeline.process_batch(pipeline.redelivered(entries))  # ON CONFLICT DO NOTHING
        assert db.session.scalar(select(func.count()).select_from(VisitorHour)) == 3


def test_a_failed_write_does_not_stop_the_pipeline_and_is_tried_again(api, app_ctx,
                                                                     monkeypatch, caplog):
    from liveapp.services.tracking import visitor_hours

    def broken(new, changed):
        raise OperationalError("INSERT", {}, Exception("disk full"))

    monkeypatch.setattr(visitor_hours, "_write", broken)
    vid = VisitorId()
    assert api.send(visitor_id=vid, url=HOME).status_code == 202
    assert db.session.get(Visitor, vid) is not None and hours(vid) == []
    assert "visitor hours: 1 not recorded" in caplog.text
    monkeypatch.undo()
    assert api.send(visitor_id=vid, url=PRICING).status_code == 202
    assert len(hours(vid)) == 1
