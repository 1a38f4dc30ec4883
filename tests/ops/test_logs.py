"""Logs: JSON lines with LIVEAPP_LOG_FORMAT=json, each naming its request; no secrets."""

from __future__ import annotations

import io
import json
import logging

import pytest

from tests.factories import PASSWORD


@pytest.fixture
def json_lines(monkeypatch):
    """Log lines as create_app configures them with LIVEAPP_LOG_FORMAT=json, parsed."""
    from liveapp import logs

    monkeypatch.setenv("LIVEAPP_LOG_FORMAT", "json")
    out = io.StringIO()
    level = logging.getLogger().level
    logs.configure(stream=out)
    yield lambda: [json.loads(line) for line in out.getvalue().splitlines()]
    logs.configure(fmt="text")  # takes our handler away again
    logging.getLogger().setLevel(level)


def test_a_request_logs_one_json_line_with_its_id(app, json_lines, browser, rep):
    response = browser.login(rep.email)
    assert response.status_code == 303
    request_id = response.headers["X-Request-Id"]
    lines = [line for line in json_lines() if line.get("request_id") == request_id]
    assert len(lines) == 1
    line = lines[0]
    assert line["logger"] == "liveapp.requests" and line["level"] == "INFO"
    assert line["status"] == 303 and line["path"] == "/auth/login"
    assert "duration_ms" in line and "ts" in line
    assert PASSWORD not in json.dumps(json_lines())


def test_signed_in_requests_name_the_user_and_never_a_token(app, json_lines, as_rep, rep,
                                                            monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "the-real-token")
    as_rep.get("/metrics", headers={"Authorization": "Bearer a-guessed-token"})
    response = as_rep.get("/")
    line = next(line for line in json_lines()
                if line.get("request_id") == response.headers["X-Request-Id"])
    assert line["user_id"] == rep.id
    text = json.dumps(json_lines())
    assert "a-guessed-token" not in text and "the-real-token" not in text
    assert "session" not in text.lower()


def test_each_request_gets_its_own_id_and_a_proxys_is_kept(app, browser):
    first = browser.get("/auth/login").headers["X-Request-Id"]
    second = browser.get("/auth/login").headers["X-Request-Id"]
    assert first != second and len(first) == 16
    kept = browser.get("/auth/login", headers={"X-Request-Id": "lb-1234567890"})
    assert kept.headers["X-Request-Id"] == "lb-1234567890"
    odd = browser.get("/auth/login", headers={"X-Request-Id": "<script>"})
    assert odd.headers["X-Request-Id"] != "<script>"


def test_the_events_api_answers_with_a_request_id(api):
    response = api.send()
    assert response.status_code == 202
    assert len(response.headers["X-Request-Id"]) == 16


def test_a_job_logs_its_id_queue_and_outcome(app_ctx, json_lines):
    from jobs.worker import LiveappWorker
    from liveapp.extensions import queue, redis

    job = queue("default").enqueue("tests.worker.tasks.pid")
    LiveappWorker([queue("default")], connection=redis.client, serializer="json").work(
        burst=True, max_jobs=1)
    line = next(line for line in json_lines() if line["logger"] == "liveapp.jobs")
    assert line["job_id"] == job.id and line["message"].endswith("finished")
    assert line["queue"] == queue("default").name


def test_a_claim_names_its_visitor_and_user_and_no_message_body_is_logged(
        app, json_lines, api, as_rep, rep):
    from liveapp.services.chat import conversations, tokens
    from tests.conversations.test_claiming import routed

    vid = routed(api, rep)
    claimed = as_rep.post(f"/conversations/claim/{vid}", {"origin": "pounce"})
    assert claimed.status_code == 303
    [line] = [line for line in json_lines() if "claimed" in line["message"]]
    assert (line["visitor_id"], line["user_id"]) == (vid, rep.id)
    assert line["request_id"] == claimed.headers["X-Request-Id"]
    conversation = conversations.open_conversation(vid)
    sent = as_rep.post(f"/conversations/{conversation.id}/messages",
                       {"body": "Our discount is 40 percent"}, headers={"HX-Request": "true"})
    assert sent.status_code < 400
    widget = app.test_client().post("/t/v1/chat/messages", json={
        "token": tokens.visitor_token(vid), "body": "My phone is 555 0100"})
    assert widget.status_code < 400
    text = json.dumps(json_lines())
    assert widget.headers["X-Request-Id"] in text  # the widget's request was logged
    assert "40 percent" not in text and "555 0100" not in text
