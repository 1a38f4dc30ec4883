"""The widget's experience flow: GET /t/v1/chat's status, flow and answers, and
POST /t/v1/chat/answer (buttons, questions; an email answer identifies the visitor). The
flow branches: "Just browsing" ends it, and only a flow that reached Route for Inbound
Chat may ask for a rep (POST /t/v1/chat/request)."""


import pytest

from jobs import routing as routing_jobs
from liveapp.demo.streams import PRICING_FLOW, seed_streams
from liveapp.extensions import db, queue, redis
from liveapp.models import Visitor
from liveapp.services.chat import chat_flow, conversations
from liveapp.services.live import card_cache, cards, prompts
from liveapp.services.routing import assignments, router
from liveapp.services.tracking import timeline
from tests.routing_jobs.conftest import job_app, make_rep, make_rule, work  # noqa: F401
from tests.tracking.conftest import ORIGIN
from tests.visitor_ids import VisitorId

PRICING_URL = "https://www.example.com/pricing"


@pytest.fixture
def pricing(app_ctx):
    seed_streams()


def _visit(api, url=PRICING_URL):
    vid = VisitorId()
    response = api.send(visitor_id=vid, url=url)
    assert response.status_code == 202
    return vid, response.get_json()["token"]


def _read(client, token):
    return client.get(f"/t/v1/chat?token={token}", headers={"Origin": ORIGIN})


def _answer(client, token, step, value):
    return client.post("/t/v1/chat/answer", json={"token": token, "step": step, "value": value},
                       headers={"Origin": ORIGIN})


def test_a_visitor_on_the_pricing_page_gets_its_flow(api, pricing, app):
    vid, token = _visit(api)
    client = app.test_client()
    response = _read(client, token)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    data = response.get_json()
    assert data["conversation"] is None and data["messages"] == []
    assert data["status"] == "idle" and data["answers"] == {} and data["requested"] is False
    assert data["experience"]["name"] == "Pricing Page"
    assert [s["type"] for s in data["experience"]["steps"]] == [s["type"] for s in PRICING_FLOW]
    assert data["experience"]["steps"][2]["buttons"] == [
        {"label": "Talk to sales", "target": "next"}, {"label": "Just browsing", "target": "end"}]
    # The bot message, Route for Pounce, then the buttons wait for a click.
    assert data["flow"] == {"path": [0, 1, 2], "asking": 2, "can_request": False}

    _, elsewhere = _visit(api, url="https://www.example.com/careers")
    assert _read(client, elsewhere).get_json()["experience"] is None
    assert _read(client, elsewhere).get_json()["flow"] is None
    for bad in ("nope", token[:-2] + "xx"):
        refused = _read(client, bad)
        assert refused.status_code == 403 and refused.get_json() == {"error": "token: not valid"}
        assert _answer(client, bad, 2, "Talk to sales").status_code == 403


@pytest.mark.parametrize(("step", "value", "error"), [
    ("2", "Talk to sales", "step: must be a step number"),
    (True, "Talk to sales", "step: must be a step number"),
    (0, "hello", "step: is not a buttons or question step of your chat"),
    (4, "x", "step: is not a buttons or question step of your chat"),
    (99, "x", "step: is not a buttons or question step of your chat"),
    (-1, "x", "step: is not a buttons or question step of your chat"),
    (2, "Talk to marketing", "value: must be one of the buttons"),
    (2, 3, "value: is required"),
    (2, "  ", "value: is required"),
    (3, "pat@acme.example", "step: your chat is not at this step"),  # buttons first
])
def test_bad_answers_are_refused_and_write_nothing(api, pricing, app, published, step, value,
                                                   error):
    vid, token = _visit(api)
    published.clear()
    response = _answer(app.test_client(), token, step, value)
    assert response.status_code == 400 and response.get_json() == {"error": error}
    assert redis.client.get(chat_flow.answers_key(vid)) is None
    db.session.expire_all()
    visitor = db.session.get(Visitor, vid)
    assert visitor.email is None and "source" not in visitor.traits
    assert published == []


def test_no_flow_no_answers(api, pricing, app):
    vid, token = _visit(api, url="https://www.example.com/careers")
    response = _answer(app.test_client(), token, 2, "Talk to sales")
    assert response.get_json() == {"error": "step: you are not in a chat flow"}
    assert redis.client.get(chat_flow.answers_key(vid)) is None


def test_a_button_answer_is_kept_and_shown_on_the_card(api, pricing, app, published):
    vid, token = _visit(api)
    client = app.test_client()
    response = _answer(client, token, 2, "Talk to sales")
    assert response.status_code == 200
    assert response.get_json() == {"answers": {"2": "Talk to sales"}, "flow": {
        "path": [0, 1, 2, 3], "asking": 3, "can_request": False}}
    assert _read(client, token).get_json()["answers"] == {"2": "Talk to sales"}
    assert [c.kind for c in published].count("bot") == 1
    html = card_cache.render(cards.card_for(vid))
    assert "Bot: receiving <b>Pricing Page</b> · chose “Talk to sales”" in html
    # Later answers keep the earlier ones; the answer outlives leaving the pricing page.
    api.send(visitor_id=vid, url="https://www.example.com/careers")
    data = _read(client, token).get_json()
    assert data["experience"]["name"] == "Pricing Page"
    assert data["answers"] == {"2": "Talk to sales"}


def test_an_email_answer_identifies_the_visitor(api, pricing, app, published):
    vid, token = _visit(api)
    client = app.test_client()
    assert _answer(client, token, 2, "Talk to sales").status_code == 200
    refused = _answer(client, token, 3, "not an email")
    assert refused.get_json() == {"error": "value: is not a valid email address"}
    published.clear()
    response = _answer(client, token, 3, " Pat@Acme.example ")
    assert response.status_code == 200
    assert response.get_json()["answers"] == {"2": "Talk to sales", "3": "pat@acme.example"}
    assert response.get_json()["flow"] == {"path": [0, 1, 2, 3, 4, 5], "asking": None,
                                           "can_request": True}
    db.session.expire_all()
    visitor = db.session.get(Visitor, vid)
    assert (visitor.email, visitor.email_source) == ("pat@acme.example", "chat")
    identified = [c for c in published if c.kind == "identify"]
    assert len(identified) == 1 and identified[0].data["email"] == "pat@acme.example"


def _qualify_flow():
    from liveapp.services.membership import experiences

    return experiences.save_experience(
        None, name="Qualify", active=True, audience=[],
        targeting=[{"kind": "contains", "value": "/pricing", "exclude": False}],
        flow=[{"type": "question", "text": "How big?", "question": "company_size"},
              {"type": "question", "text": "Which industry?", "question": "industry"},
              {"type": "buttons", "text": "What next?", "buttons": [
                  {"label": "Demo", "target": "next"}, {"label": "Docs", "target": "next"}]}])


def test_answers_about_the_company_are_facts_a_segment_reads(api, app, app_ctx, published):
    from liveapp.services.membership import live_membership, segments

    qualify = _qualify_flow()
    large = segments.save_segment(None, name="Large companies", description="", criteria={
        "match": "all", "conditions": [{"field": "answered_company_size", "operator": "in_list",
                                        "value": ["201-1000", "1001+"]}]})
    software = segments.save_segment(None, name="Software", description="", criteria={
        "match": "all", "conditions": [{"field": "answered_industry", "operator": "equals",
                                        "value": "software"}]})
    demo = segments.save_segment(None, name="Wants a demo", description="", criteria={
        "match": "all", "conditions": [{"field": "chat_answer", "question": f"{qualify.id}:2",
                                        "operator": "equals", "value": "Demo"}]})
    vid, token = _visit(api)
    client = app.test_client()
    assert _answer(client, token, 0, "huge").get_json()["error"].startswith("value: must be one")
    assert _answer(client, token, 1, "Software").get_json() == {
        "error": "step: your chat is not at this step"}  # the flow asks in order
    assert live_membership.stored(vid).segment_ids == frozenset()
    # The answer is a visitor change: membership is evaluated again when it arrives.
    assert _answer(client, token, 0, "201-1000").status_code == 200
    assert live_membership.stored(vid).segment_ids == {large.id}
    assert _answer(client, token, 1, "x" * 121).status_code == 400
    assert _answer(client, token, 1, "Software").status_code == 200
    assert _answer(client, token, 2, "Demo").status_code == 200
    assert live_membership.stored(vid).segment_ids == {large.id, software.id, demo.id}
    assert [c.kind for c in published].count("bot") == 3
    small, small_token = _visit(api)
    assert _answer(client, small_token, 0, "51-200").status_code == 200
    assert live_membership.stored(small).segment_ids == frozenset()  # too small for the segment
    db.session.expire_all()
    visitor = db.session.get(Visitor, vid)
    assert visitor.chat_answers == {
        "company_size": "201-1000", "industry": "Software",
        "questions": {f"{qualify.id}:0": "201-1000", f"{qualify.id}:1": "Software",
                      f"{qualify.id}:2": "Demo"}}
    assert "company_size" not in visitor.traits  # facts, not free-form traits


def test_the_card_shows_what_the_visitor_said_escaped(api, app, app_ctx):
    _qualify_flow()
    vid, token = _visit(api)
    client = app.test_client()
    _answer(client, token, 0, "201-1000")
    html = card_cache.render(cards.card_for(vid))
    assert '<dt>Said</dt><dd class="vc-said">201–1000 employees</dd>' in html
    _answer(client, token, 1, '<img src=x onerror="alert(1)">')
    html = card_cache.render(cards.card_for(vid))
    assert ('<dd class="vc-said">201–1000 employees · &lt;img src=x onerror=&#34;alert(1)&#34;'
            '&gt;</dd>') in html
    assert "<img" not in html


def _talk_to_sales(client, token):
    """The pricing flow up to Route for Inbound Chat: "Talk to sales", then an email."""
    assert _answer(client, token, 2, "Talk to sales").status_code == 200
    assert _answer(client, token, 3, "pat@acme.example").status_code == 200


def _request(client, token):
    return client.post("/t/v1/chat/request", json={"token": token}, headers={"Origin": ORIGIN})


def _inbound_trace(vid):
    """Everything an inbound request writes: routing's trigger, queued routing jobs, the
    timeline, the widget record's "requested"."""
    return (redis.client.hget(router.state_key(vid), "trigger"), queue(routing_jobs.QUEUE).count,
            timeline.entries(vid), (chat_flow.load(vid) or {}).get("requested"))


@pytest.fixture
def pricing_rep(job_app, pricing, make_rep, make_rule):  # noqa: F811
    """A rep with an open board whom a First Available rule routes everyone to."""
    rep = make_rep(name="Ann", email="ann@example.com")
    make_rule([rep], distribution="first_available")
    return rep


def test_just_browsing_ends_the_flow_and_alerts_nobody(api, pricing_rep, app, published):
    vid, token = _visit(api)
    client = app.test_client()
    work()  # Route for Pounce routes the visitor on landing: no prompt, nobody asked
    published.clear()
    response = _answer(client, token, 2, "Just browsing")
    assert response.status_code == 200
    assert response.get_json() == {"answers": {"2": "Just browsing"}, "flow": {
        "path": [0, 1, 2], "asking": None, "can_request": False}}
    # Reps see the choice (bot engagement) ...
    assert [(c.kind, c.data["value"]) for c in published] == [("bot", "Just browsing")]
    html = card_cache.render(cards.card_for(vid))
    assert "Bot: receiving <b>Pricing Page</b> · chose “Just browsing”" in html
    # ... but the flow asks nothing more and may not ask for a rep.
    assert _answer(client, token, 3, "pat@acme.example").get_json() == {
        "error": "step: your chat is not at this step"}
    before = _inbound_trace(vid)
    refused = _request(client, token)
    assert refused.status_code == 409
    assert refused.get_json() == {"error": "flow: your chat has not reached Route for "
                                           "Inbound Chat"}
    assert refused.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert _inbound_trace(vid) == before
    work()
    assert prompts.prompts_for(pricing_rep.id) == []
    assert assignments.get(vid).trigger == "pounce"
    data = _read(client, token).get_json()
    assert (data["status"], data["requested"]) == ("idle", False)
    db.session.expire_all()
    assert db.session.get(Visitor, vid).email is None


def test_a_request_before_route_for_inbound_chat_is_refused(api, pricing_rep, app):
    vid, token = _visit(api)
    client = app.test_client()
    work()
    for answer in ((2, "Talk to sales"), (3, "pat@acme.example")):
        before = _inbound_trace(vid)
        assert _request(client, token).status_code == 409
        assert _inbound_trace(vid) == before
        work()
        assert prompts.prompts_for(pricing_rep.id) == []
        assert _answer(client, token, *answer).status_code == 200
    # Reached Route for Inbound Chat: the request routes, the rep is prompted.
    accepted = _request(client, token)
    assert accepted.status_code == 202 and accepted.get_json() == {"status": "routing"}
    work()
    assert [p.visitor_id for p in prompts.prompts_for(pricing_rep.id)] == [vid]
    assert assignments.get(vid).trigger == "inbound"
    assert _read(client, token).get_json()["requested"] is True


def test_visitors_without_an_experience_may_not_ask_for_a_rep(api, pricing_rep, app):
    vid, token = _visit(api, url="https://www.example.com/careers")
    before = _inbound_trace(vid)
    assert _request(app.test_client(), token).status_code == 409
    assert _inbound_trace(vid) == before
    work()
    assert prompts.prompts_for(pricing_rep.id) == []
    assert assignments.get(vid) is None


def _route(vid, outcome, trigger="inbound", claimed_by=None):
    assignments.save(vid, assignments.Assignment(
        rule_name="Inbound", mode="round_robin", outcome=outcome, trigger=trigger,
        claimed_by=claimed_by))


def test_status_follows_the_inbound_request(api, pricing, app, rep):
    vid, token = _visit(api)
    client = app.test_client()
    _route(vid, "offer", trigger="pounce")
    assert _read(client, token).get_json()["status"] == "idle"  # pounce routing: not asked
    _talk_to_sales(client, token)
    accepted = client.post("/t/v1/chat/request", json={"token": token})
    assert accepted.status_code == 202
    assert _read(client, token).get_json()["requested"] is True
    for outcome, status in (("offer", "offering"), ("queue", "waiting"),
                            ("meeting_booker", "booker"), ("none", "idle")):
        _route(vid, outcome)
        assert _read(client, token).get_json()["status"] == status
    _route(vid, "offer")
    conversation = conversations.claim(vid, rep, "inbound")
    assert _read(client, token).get_json()["status"] == "chatting"
    conversations.close(conversation)  # the request was answered: no "offering" after the chat
    assert assignments.get(vid).outcome == "offer"
    assert _read(client, token).get_json()["status"] == "idle"


def test_status_changes_are_pushed_to_the_visitor(api, pricing, app, monkeypatch):
    from liveapp.infra import realtime

    sent = []
    monkeypatch.setattr(realtime, "send", lambda channel, event, data, id=None:
                        sent.append((channel, event, data)))
    vid, _ = _visit(api)
    _route(vid, "offer", trigger="pounce")
    router.request_inbound(vid)
    _route(vid, "offer")
    _route(vid, "meeting_booker")
    pushed = [(c, d) for c, e, d in sent if e == "status"]
    assert pushed == [(f"visitor:{vid}", '{"status": "offering"}'),
                      (f"visitor:{vid}", '{"status": "booker"}')]
