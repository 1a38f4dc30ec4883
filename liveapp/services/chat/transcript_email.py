"""The transcript emailed to the visitor when their conversation closes, if they gave an
email: a background job (jobs/transcript_email.py) sends it over the SMTP server of the
LIVEAPP_SMTP_* settings, as plain text and HTML (escaped by the template). No host
configured: nothing is sent, and the log says so once per process. Logs never carry the
body or the address."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app, render_template

import jobs
from jobs import transcript_email as email_jobs
from liveapp.extensions import db
from liveapp.models import Conversation, utcnow

log = logging.getLogger(__name__)
SMTP_TIMEOUT = 30  # seconds to connect and for each command

_told_unconfigured = False


def configured() -> bool:
    """Whether an SMTP host is set; says once per process when it is not."""
    global _told_unconfigured
    if current_app.config["SMTP"]["host"]:
        return True
    if not _told_unconfigured:
        _told_unconfigured = True
        log.info("LIVEAPP_SMTP_HOST is not set: transcripts are not emailed to visitors")
    return False


def after_close(conversation: Conversation) -> None:
    """Queue the transcript's email when the visitor gave an address. The close is
    committed already: a queue that cannot be reached is logged, never raised."""
    if not configured() or not conversation.visitor.email:
        return
    try:
        jobs.enqueue(email_jobs.email_transcript, conversation.id)
    except Exception:
        log.exception("could not queue the transcript email of conversation %s",
                      conversation.id)


def send(conversation_id: int) -> bool:
    """Email the transcript, once (idempotent); returns whether this call sent it."""
    conversation = db.session.get(Conversation, conversation_id)
    if (conversation is None or conversation.status != "closed"
            or conversation.transcript_emailed_at is not None
            or not conversation.visitor.email or not configured()):
        return False  # erased, reopened never, sent already, or nowhere to send it
    settings = current_app.config["SMTP"]
    message = build(conversation, settings["from"])
    with smtplib.SMTP(settings["host"], settings["port"], timeout=SMTP_TIMEOUT) as smtp:
        if settings["starttls"]:
            smtp.starttls()
        if settings["user"]:
            smtp.login(settings["user"], settings["password"])
        smtp.send_message(message)
    conversation.transcript_emailed_at = utcnow()
    db.session.commit()
    log.info("transcript of conversation %s emailed", conversation.id,
             extra={"visitor_id": conversation.visitor_id})
    return True


def build(conversation: Conversation, sender: str) -> EmailMessage:
    """The email: the transcript as text and as HTML (the template escapes every line)."""
    message = EmailMessage()
    message["Subject"] = f"Your conversation with {conversation.rep.name}"
    message["From"] = sender
    message["To"] = conversation.visitor.email
    lines = [_line(m) for m in conversation.messages]
    context = {"conversation": conversation, "lines": lines}
    message.set_content(render_template("conversations/transcript_email.txt", **context))
    message.add_alternative(render_template("conversations/transcript_email.html", **context),
                            subtype="html")
    return message


def _line(message) -> dict:
    who = {"visitor": "You", "rep": message.conversation.rep.name, "bot": "Bot",
           "system": "Note"}.get(message.sender, message.sender)
    return {"at": f"{message.sent_at:%Y-%m-%d %H:%M} UTC", "who": who, "body": message.body}
