"""The transcript emailed to the visitor on close, through a real RQ worker and a local
debugging SMTP server (aiosmtpd, in this process, on a free port): the message, its
escaped HTML part, once only; no email or no SMTP host: nothing; SMTP down: the job is
retried and the conversation stays closed."""

import email
import email.policy
import logging
import socket
import uuid

import pytest
from aiosmtpd.controller import Controller
from rq.registry import ScheduledJobRegistry

from liveapp.extensions import db, queue, redis
from liveapp.models import Conversation, Message, Visitor
from tests.ops.conftest import jobs_in_test_app  # noqa: F401 (a fixture)
from tests.rq_workers import SimpleWorker


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """aiosmtpd's handler: keeps every message it was given."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(email.message_from_bytes(envelope.content,
                                                      policy=email.policy.default))
        return "250 OK"


def _smtp(port: int) -> dict:
    return {"host": "127.0.0.1", "port": port, "user": "", "password": "",
            "from": "chat@liveapp.test", "starttls": False}


@pytest.fixture
def inbox(app, monkeypatch):
    handler = Inbox()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "SMTP", _smtp(port))
    yield handler
    controller.stop()


@pytest.fixture
def open_chat(site, rep, app_ctx):
    def make(email=None):
        visitor = Visitor(id=str(uuid.uuid4()), site_id=site.id, name="Vera", email=email)
        conversation = Conversation(visitor=visitor, rep_id=rep.id, origin="inbound")
        conversation.messages = [
            Message(sender="visitor", body='Is <script>alert("x")</script> & co included?'),
            Message(sender="rep", rep_id=rep.id, body="Yes, in the Team plan."),
        ]
        db.session.add(conversation)
        db.session.commit()
        return conversation

    return make


def run_low_queue() -> None:
    SimpleWorker([queue("low")], connection=redis.client, serializer="json").work(
        burst=True, max_jobs=1)


def close(as_rep, conversation) -> None:
    assert as_rep.post(f"/conversations/{conversation.id}/close").status_code == 303


def test_the_visitor_gets_the_transcript_once_with_an_escaped_html_part(
        as_rep, open_chat, inbox, jobs_in_test_app):  # noqa: F811
    conversation = open_chat(email="vera@example.com")
    close(as_rep, conversation)
    run_low_queue()
    [sent] = inbox.messages
    assert sent["To"] == "vera@example.com" and sent["From"] == "chat@liveapp.test"
    assert sent["Subject"] == "Your conversation with Rita Rep"
    text = sent.get_body(("plain",)).get_content()
    html = sent.get_body(("html",)).get_content()
    assert 'You: Is <script>alert("x")</script> & co included?' in text
    assert "Rita Rep: Yes, in the Team plan." in text
    assert "<script>" not in html
    assert "Is &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co included?" in html
    from jobs.transcript_email import email_transcript

    assert email_transcript(conversation.id) is False  # once: a second run sends nothing
    assert len(inbox.messages) == 1


def test_no_email_no_message(as_rep, open_chat, inbox, jobs_in_test_app):  # noqa: F811
    close(as_rep, open_chat(email=None))
    assert queue("low").count == 0
    run_low_queue()
    assert inbox.messages == []


def test_no_smtp_host_sends_nothing_and_says_so_once(
        as_rep, open_chat, app, monkeypatch, caplog):
    from liveapp.services.chat import transcript_email

    monkeypatch.setitem(app.config, "SMTP", {**_smtp(25), "host": ""})
    monkeypatch.setattr(transcript_email, "_told_unconfigured", False)
    with caplog.at_level(logging.INFO, logger=transcript_email.__name__):
        close(as_rep, open_chat(email="a@example.com"))
        close(as_rep, open_chat(email="b@example.com"))
    assert queue("low").count == 0
    told = [r for r in caplog.records if "LIVEAPP_SMTP_HOST is not set" in r.getMessage()]
    assert len(told) == 1


def test_smtp_down_retries_the_job_and_keeps_the_close(
        as_rep, open_chat, app, monkeypatch, caplog, jobs_in_test_app):  # noqa: F811
    monkeypatch.setitem(app.config, "SMTP", _smtp(_free_port()))  # nobody listens there
    conversation = open_chat(email="vera@example.com")
    close(as_rep, conversation)
    [job_id] = queue("low").job_ids
    with caplog.at_level(logging.INFO):
        run_low_queue()
    job = queue("low").fetch_job(job_id)
    assert job.get_status() == "scheduled" and job.retries_left == 2
    assert job_id in ScheduledJobRegistry(queue=queue("low")).get_job_ids()
    assert "Connection refused" in caplog.text  # the worker says why it failed
    db.session.expire_all()
    stored = db.session.get(Conversation, conversation.id)
    assert stored.status == "closed" and stored.transcript_emailed_at is None
    assert "Team plan" not in caplog.text  # the body is never logged


def test_smtp_settings_come_from_the_environment(monkeypatch):
    from liveapp.config import smtp_settings

    for name, value in (("HOST", "mail.example.com"), ("PORT", "2525"), ("USER", "bot"),
                        ("PASSWORD", "s3cret"), ("FROM", "chat@example.com"),
                        ("STARTTLS", "0")):
        monkeypatch.setenv(f"LIVEAPP_SMTP_{name}", value)
    assert smtp_settings() == {"host": "mail.example.com", "port": 2525, "user": "bot",
                               "password": "s3cret", "from": "chat@example.com",
                               "starttls": False}
    monkeypatch.setenv("LIVEAPP_SMTP_PORT", "smtp")
    with pytest.raises(ValueError, match="LIVEAPP_SMTP_PORT"):
        smtp_settings()
