"""Erasure: Settings → Visitors → Erase visitor and `liveapp erase` leave no row and no
Redis key naming the visitor; bad input writes nothing; reps are kept out; the audit
line has counts and internal ids, never the email."""

from __future__ import annotations

import os
import random
import subprocess
import time
import uuid
from datetime import timedelta

import pytest
from rq.job import Job, JobStatus
from sqlalchemy import func, select

from liveapp.domain.routing import RoutingDecision
from liveapp.extensions import db, queue, redis
from liveapp.infra import realtime
from liveapp.models import (
    Conversation,
    MarketingRecord,
    Message,
    OfflineMessage,
    User,
    Visitor,
    offline_message_reps,
)
from liveapp.models.history import RoutingSkip
from liveapp.models.user import utcnow
from liveapp.services.chat import chat_flow, transfer_store
from liveapp.services.live import viewers
from liveapp.services.routing import records
from liveapp.services.tracking import pipeline
from tests.board.conftest import PRICING, ops, record, rep_a, streams, visitors  # noqa: F401
from tests.ops import traces
from tests.ops.failed_jobs import explode
from tests.test_cli import LIVEAPP, ROOT
from tests.tracking.conftest import api, site  # noqa: F401 (fixtures)

EMAIL = "Jane.Doe@Prospect.example"
# What each tracked visitor wrote that nobody else did: a word no stemmer changes (no
# vowel, no s), so the full-text index holds it as written.
WORDS: dict[str, str] = {}


@pytest.fixture
def tracked(visitors, rep_a):  # noqa: F811
    """tracked(email) -> a visitor seen through the real events API (hot presence,
    membership, card, timeline), identified, routed to rep A, viewed by rep A, with chat
    answers, a closed conversation with a message, an offline message for rep A, and an
    event still in the pipeline, a transfer of its chat offered to rep A, a failed job and
    a scheduled one naming it. Its messages hold a word of its own (WORDS)."""
    rep_id = rep_a.id

    def make(email: str | None = EMAIL) -> str:
        visitor_id = visitors.visit(PRICING)
        word = WORDS[visitor_id] = "".join(random.choices("bcdfghjklmnpqrtvwxz", k=12))
        if email:
            visitors.event(visitor_id, "identify", email=email)
        visitors.route(visitor_id, rep_a)
        viewers.mark(visitor_id, rep_id)
        redis.client.set(chat_flow.answers_key(visitor_id), '{"questions": {}}')
        conversation = Conversation(visitor_id=visitor_id, rep_id=rep_id, origin="inbound",
                                    status="closed", closed_at=utcnow())
        conversation.messages.append(Message(sender="visitor", body=f"Call me {word}"))
        db.session.add(conversation)
        db.session.add(OfflineMessage(visitor_id=visitor_id, email="left@message.example",
                                      body=f"Call me back {word}",
                                      reps=[db.session.get(User, rep_id)]))
        db.session.commit()
        redis.client.xadd(pipeline.stream_key(pipeline.shard_of(visitor_id)),
                          {"v": visitor_id, "type": "heartbeat"})
        transfer_store.save(transfer_store.Transfer(
            id=uuid.uuid4().hex, conversation_id=conversation.id, visitor_id=visitor_id,
            from_rep=rep_id, from_name="Rep A", to_name="Rep A", offered_to=(rep_id,),
            note=f"Wants {word}", until=0.0), ttl=60)
        transfer_store.mark_taken(conversation.id, "Rep A")
        failing(visitor_id)
        queue("low").enqueue_in(timedelta(minutes=5), explode, visitor_id)
        # The reports' history of them (their visitor hours come from the pipeline).
        records.decision_applied(visitor_id, RoutingDecision(
            outcome="offer", step="route_to", mode="round_robin", offer_to=(rep_id,),
            skipped=((rep_id, "away"),)), "inbound", time.time(), uuid.uuid4().hex, [rep_id])
        return visitor_id

    return make


def failing(visitor_id: str) -> None:
    """A job naming the visitor in liveapp's failed jobs (kept a week for ops), put there
    as a worker does (a worker would run the jobs queued before it first)."""
    default = queue("default")
    job = Job.create(explode, args=[visitor_id], connection=redis.client, serializer="json",
                     origin=default.name, status=JobStatus.FAILED)
    job.save()
    default.failed_job_registry.add(job, ttl=3600, exc_string=f"ValueError: {visitor_id}")


def keys_naming(visitor_id: str) -> list[bytes]:
    return list(redis.client.scan_iter(match=f"*{visitor_id}*"))


def memberships_of(visitor_id: str) -> list[bytes]:
    """Our sets, sorted sets and hashes that still hold the visitor."""
    held = []
    for key in redis.client.scan_iter(match=redis.key() + "*"):
        kind = redis.client.type(key)
        if ((kind == b"zset" and redis.client.zscore(key, visitor_id) is not None)
                or (kind == b"set" and redis.client.sismember(key, visitor_id))
                or (kind == b"hash" and redis.client.hexists(key, visitor_id))):
            held.append(key)
    return held


def rows_naming(visitor_id: str) -> dict[str, int]:
    found = {}
    for table in db.metadata.sorted_tables:
        column = table.c.get("visitor_id") if table.name != "visitors" else table.c.id
        if column is not None:
            found[table.name] = db.session.scalar(
                select(func.count()).select_from(table).where(column == visitor_id))
    return {name: n for name, n in found.items() if n}


def events_of(visitor_id: str) -> list:
    stream = pipeline.stream_key(pipeline.shard_of(visitor_id))
    return [entry_id for entry_id, fields in redis.client.xrange(stream)
            if fields.get(b"v") == visitor_id.encode()]


def needles(visitor_id: str) -> list[str]:
    """The visitor's id and (the end of, as a full-text index may keep a word after a
    shared prefix) the word they wrote."""
    return [visitor_id, WORDS[visitor_id][-7:]]


def assert_erased(visitor_id: str, email: str | None = None) -> None:
    db.session.expire_all()
    assert rows_naming(visitor_id) == {}
    assert keys_naming(visitor_id) == []
    assert memberships_of(visitor_id) == []
    assert events_of(visitor_id) == []
    # Generically: no column of any table (the full-text index's too), no Redis value.
    assert traces.in_database(*needles(visitor_id)) == []
    assert traces.in_redis(*needles(visitor_id)) == []
    assert traces.in_jobs(visitor_id) == []
    if email:
        assert traces.in_database(email) == []
        assert traces.in_redis(email) == []


def assert_kept(visitor_id: str) -> None:
    db.session.expire_all()
    assert {"visitors", "page_views", "conversations", "offline_messages", "offers",
            "routing_decisions", "visitor_hours"} <= rows_naming(visitor_id).keys()
    assert keys_naming(visitor_id)
    assert memberships_of(visitor_id)
    found = traces.in_database(*needles(visitor_id))
    assert {"visitors.id", "messages.body", "offline_messages.body"} <= set(found)
    if db.engine.dialect.name == "sqlite":  # the scan reads the full-text index too
        assert "messages_fts_data.block" in found
    assert len(traces.in_jobs(visitor_id)) >= 2
    assert [key for key in traces.in_redis(*needles(visitor_id)) if ":transfer:" in key]


def test_the_form_erases_one_visitor_and_nobody_else(as_admin, tracked, caplog):
    erased, other = tracked(), tracked(email="someone@else.example")
    assert keys_naming(erased) and memberships_of(erased) and events_of(erased)
    with caplog.at_level("INFO", logger="liveapp.audit"):
        response = as_admin.post("/settings/visitors/erase",
                                 {"visitor_id": erased, "confirm": "y"})
    assert response.status_code == 303
    assert_erased(erased, EMAIL)
    assert_kept(other)
    assert db.session.scalar(select(func.count()).select_from(offline_message_reps)) == 1
    assert db.session.scalar(select(func.count()).select_from(RoutingSkip)) == 1  # other's
    [line] = [r.getMessage() for r in caplog.records if r.name == "liveapp.audit"]
    assert erased in line and "1 visitors" in line
    assert "prospect" not in line.lower() and "jane" not in line.lower()


def test_open_boards_drop_the_erased_visitors_card(as_admin, tracked, record):  # noqa: F811
    visitor_id = tracked()
    recorder = record(realtime.ADMIN_CHANNEL)
    as_admin.post("/settings/visitors/erase", {"visitor_id": visitor_id, "confirm": "y"})
    sent = [ops(data) for _, _, data in recorder.take()]
    assert [f"delete #visitor-{visitor_id}"] in sent
    assert_erased(visitor_id)


def test_the_form_erases_every_visitor_with_the_email(as_admin, tracked, caplog):
    first, second, other = tracked(), tracked(email=EMAIL.lower()), tracked(email=None)
    db.session.add(MarketingRecord(email=EMAIL.lower(), lead_score=80))
    db.session.commit()
    with caplog.at_level("INFO", logger="liveapp.audit"):
        response = as_admin.post("/settings/visitors/erase",
                                 {"email": EMAIL.upper(), "confirm": "y"})
    assert response.status_code == 303
    for visitor_id in (first, second):
        assert_erased(visitor_id, EMAIL)
    assert_kept(other)
    assert db.session.scalar(select(func.count()).select_from(MarketingRecord)) == 0
    [line] = [r.getMessage() for r in caplog.records if r.name == "liveapp.audit"]
    assert "2 visitors" in line and "@" not in line


@pytest.mark.parametrize("form, error", [
    ({"confirm": "y"}, "Give a visitor id or an email"),
    ({"visitor_id": "VID", "email": EMAIL, "confirm": "y"}, "Give a visitor id or an email"),
    ({"visitor_id": "VID"}, "Tick the box to confirm"),
    ({"email": "not-an-email", "confirm": "y"}, "Invalid email"),
    ({"email": "nobody@nowhere.example", "confirm": "y"}, "No visitor has this email"),
    ({"visitor_id": str(uuid.uuid4()), "confirm": "y"}, "No visitor has this id"),
])
def test_the_form_refuses_bad_input_and_writes_nothing(as_admin, tracked, form, error, caplog):
    visitor_id = tracked()
    form = {k: (visitor_id if v == "VID" else v) for k, v in form.items()}
    with caplog.at_level("INFO", logger="liveapp.audit"):
        response = as_admin.post("/settings/visitors/erase", form)
    assert response.status_code == 400
    assert error in response.get_data(as_text=True)
    assert_kept(visitor_id)
    assert not [r for r in caplog.records if r.name == "liveapp.audit"]


def test_the_form_needs_the_csrf_token(as_admin, tracked):
    visitor_id = tracked()
    response = as_admin.client.post("/settings/visitors/erase",
                                    data={"visitor_id": visitor_id, "confirm": "y"})
    assert response.status_code == 400
    assert_kept(visitor_id)


def test_a_rep_gets_403(as_rep, tracked):
    visitor_id = tracked()
    assert as_rep.get("/settings/visitors/erase").status_code == 403
    response = as_rep.post("/settings/visitors/erase", {"visitor_id": visitor_id, "confirm": "y"})
    assert response.status_code == 403
    assert_kept(visitor_id)


def test_the_visitor_page_links_to_the_form(as_admin, tracked):
    visitor_id = tracked()
    page = as_admin.get(f"/settings/visitors/{visitor_id}").get_data(as_text=True)
    assert f"/settings/visitors/erase?visitor_id={visitor_id}" in page
    form = as_admin.get(f"/settings/visitors/erase?visitor_id={visitor_id}")
    assert f'value="{visitor_id}"' in form.get_data(as_text=True)


def _cli(app, redis_url, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update({"DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": redis_url,
                "LIVEAPP_REDIS_PREFIX": app.config["REDIS_PREFIX"], "SECRET_KEY": "test-secret",
                "LIVEAPP_INSTANCE": os.environ["LIVEAPP_INSTANCE"]})
    return subprocess.run([*LIVEAPP, "erase", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)


def test_the_erase_command(app, redis_url, tracked):
    first, second, other = tracked(), tracked(), tracked(email="someone@else.example")
    db.session.remove()
    done = _cli(app, redis_url, "--email", EMAIL, "--yes")
    assert done.returncode == 0, done.stderr
    assert "2 visitors" in done.stdout
    audit = [line for line in done.stderr.splitlines() if "liveapp.audit" in line]
    assert len(audit) == 1 and first in audit[0] and "@" not in audit[0]
    assert_erased(first, EMAIL)
    assert_erased(second, EMAIL)
    assert_kept(other)


def test_the_erase_command_refuses_bad_input_and_writes_nothing(app, redis_url, tracked):
    visitor_id = tracked()
    db.session.remove()
    for args, error in ((("--email", "nobody@nowhere.example", "--yes"), "No visitor"),
                        (("--email", "nonsense", "--yes"), "not an email"),
                        (("--visitor", str(uuid.uuid4()), "--yes"), "No visitor has this id"),
                        ((), "either --email or --visitor"),
                        (("--email", EMAIL), "Aborted")):  # no confirmation
        done = _cli(app, redis_url, *args)
        assert done.returncode != 0 and error in done.stderr, (args, done.stderr)
    assert_kept(visitor_id)


def test_an_erased_visitors_old_rows_are_gone_even_past_retention(as_admin, history):
    old_id = history(utcnow() - timedelta(days=400), email="old@prospect.example").id
    assert as_admin.post("/settings/visitors/erase",
                         {"email": "old@prospect.example", "confirm": "y"}).status_code == 303
    assert rows_naming(old_id) == {}
    assert db.session.scalar(select(func.count()).select_from(Visitor)) == 0
