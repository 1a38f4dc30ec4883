"""Conversations: exactly one rep wins a claim; messages, limits, transcripts, access."""

import re
import threading

import httpx
import pytest

from liveapp.errors import ConversationRefused
from liveapp.extensions import db
from liveapp.models import Conversation
from liveapp.services.chat import conversations
from liveapp.services.routing import assignments
from tests.factories import PASSWORD, UserFactory
from tests.visitor_ids import VisitorId


def routed(api, *reps):
    """A live visitor routed (first available) to these reps."""
    vid = VisitorId()
    assert api.send(visitor_id=vid).status_code == 202
    assignments.save(vid, assignments.Assignment(
        rule_name="Everyone", mode="first_available", routed_to=[r.id for r in reps],
        offered_to=[r.id for r in reps], explanation="test"))
    return vid


def _open(vid):
    db.session.expire_all()
    return conversations.open_conversation(vid)


def test_pounce_starts_a_conversation_and_marks_the_card(api, as_rep, rep, app_ctx):
    vid = routed(api, rep)
    response = as_rep.post(f"/conversations/claim/{vid}", {"origin": "pounce"})
    assert response.status_code == 303
    conversation = _open(vid)
    assert (conversation.rep_id, conversation.origin) == (rep.id, "pounce")
    state = assignments.get(vid)
    assert state.claimed_by == rep.id and state.offered_to == []


def test_second_rep_is_told_who_is_chatting(api, app, rep, make_user, app_ctx, scrape):
    from tests.conftest import Browser
    from tests.ops.scrape import value

    def conflicts() -> float:
        return value(scrape(), "liveapp_claim_conflicts_total")

    other = make_user(name="Otto Other", email="otto@example.com")
    vid = routed(api, rep, other)
    first, second = Browser(app.test_client()), Browser(app.test_client())
    first.login(rep.email)
    second.login(other.email)
    before = conflicts()
    assert first.post(f"/conversations/claim/{vid}").status_code == 303
    refused = second.post(f"/conversations/claim/{vid}", headers={"HX-Request": "true"})
    assert refused.status_code == 409
    assert "Rita Rep is already chatting with this visitor." in refused.get_data(as_text=True)
    again = first.post(f"/conversations/claim/{vid}")  # the winner clicking twice
    assert again.status_code == 303
    assert db.session.query(Conversation).count() == 1
    assert conflicts() - before == 1  # the refused claim only, not the double click


def test_rep_cannot_claim_a_visitor_not_routed_to_them(api, as_rep, make_user, app_ctx):
    vid = routed(api, make_user())
    assert as_rep.post(f"/conversations/claim/{vid}").status_code == 404
    assert _open(vid) is None


def test_concurrent_chat_limit(api, as_rep, rep, app_ctx):
    rep.max_concurrent_chats = 1
    db.session.commit()
    first, second = routed(api, rep), routed(api, rep)
    assert as_rep.post(f"/conversations/claim/{first}").status_code == 303
    refused = as_rep.post(f"/conversations/claim/{second}", headers={"HX-Request": "true"})
    assert refused.status_code == 409
    assert "You already have 1 open chats" in refused.get_data(as_text=True)


def test_bad_origin_and_csrf(api, as_rep, rep, app_ctx):
    vid = routed(api, rep)
    assert as_rep.post(f"/conversations/claim/{vid}", {"origin": "telepathy"}).status_code == 400
    assert as_rep.client.post(f"/conversations/claim/{vid}").status_code == 400
    assert _open(vid) is None


def test_messages_limits_escaping_and_transcripts(api, as_rep, rep, app, make_user, app_ctx):
    vid = routed(api, rep)
    as_rep.post(f"/conversations/claim/{vid}")
    conversation = _open(vid)
    path = f"/conversations/{conversation.id}/messages"
    assert as_rep.post(path, {"body": "   "}).status_code == 422
    assert as_rep.post(path, {"body": "x" * 2001}).status_code == 422
    assert as_rep.post(path, {"body": "<script>alert(1)</script> hi"}).status_code == 303
    conversations.post(conversation, "visitor", '"><img src=x onerror=alert(2)>')
    # An open conversation's transcript is live on the visitor detail.
    shown = as_rep.get(f"/conversations/{conversation.id}")
    assert shown.status_code == 303 and shown.location.endswith(f"/board/visitors/{vid}")
    page = as_rep.get(shown.location).get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; hi" in page
    assert "<img src=x" not in page and "<script>alert(1)" not in page
    from tests.conftest import Browser

    stranger = Browser(app.test_client())
    stranger.login(make_user(email="stranger@example.com").email)
    assert stranger.get(f"/conversations/{conversation.id}").status_code == 404
    boss = Browser(app.test_client())
    boss.login(make_user(role="admin", email="boss@example.com").email)
    assert boss.get(f"/conversations/{conversation.id}", follow_redirects=True).status_code == 200
    assert boss.post(path, {"body": "hijack"}).status_code == 403
    assert "Rita Rep" in boss.get("/conversations/").get_data(as_text=True)


def test_close_frees_the_visitor(api, as_rep, rep, app_ctx):
    vid = routed(api, rep)
    as_rep.post(f"/conversations/claim/{vid}")
    conversation = _open(vid)
    assert as_rep.post(f"/conversations/{conversation.id}/close").status_code == 303
    assert _open(vid) is None
    assert assignments.get(vid).claimed_by is None
    closed = as_rep.post(f"/conversations/{conversation.id}/messages", {"body": "late"})
    assert closed.status_code == 422


@pytest.fixture
def server(live_server):
    """The app over real HTTP, many threads at once (tests/conftest.py)."""
    return live_server


def _signed_in(base, email):
    client = httpx.Client(base_url=base, timeout=30)
    page = client.get("/auth/login").text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    client.post("/auth/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    board = client.get("/").text
    return client, re.search(r'name="csrf-token" content="([^"]+)"', board).group(1)


def test_many_concurrent_claims_have_exactly_one_winner(api, server, app_ctx):
    reps = [UserFactory(name=f"Rep {n}", email=f"rep{n}@example.com",
                        max_concurrent_chats=50) for n in range(6)]
    clients = [_signed_in(server, r.email) for r in reps]
    for _ in range(8):
        vid = routed(api, *reps)
        barrier = threading.Barrier(len(clients))
        codes: list[int] = []

        def claim(client, token, origin, vid=vid, barrier=barrier, codes=codes):
            barrier.wait(timeout=10)
            response = client.post(f"/conversations/claim/{vid}", data={"origin": origin},
                                   headers={"HX-Request": "true", "X-CSRFToken": token})
            codes.append(response.status_code)

        # Half pounce, half accept an inbound prompt: one race, whatever the path.
        threads = [threading.Thread(target=claim, args=(*c, ("pounce", "inbound")[n % 2]))
                   for n, c in enumerate(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert sorted(codes) == [201] + [409] * (len(clients) - 1), codes
        db.session.expire_all()
        assert db.session.query(Conversation).filter_by(visitor_id=vid).count() == 1
    for client, _ in clients:
        client.close()


def test_claiming_takes_the_visitor_out_of_the_waiting_queue(api, as_rep, rep, app_ctx):
    from liveapp.extensions import redis
    from liveapp.services.routing import router, waiting_queue

    vid = routed(api, rep)
    redis.client.zadd(router.waiting_key(), {vid: 1.0})
    redis.client.hset(router.state_key(vid), "trigger", "inbound")
    as_rep.post(f"/conversations/claim/{vid}")
    assert waiting_queue.waiting() == [] and not redis.client.exists(router.state_key(vid))



def _claim_at_once(app, rep_id, visitors):
    """Each visitor claimed for the rep in a thread of its own (its own app context and
    database session, as on the server), all released together; the refusals counted."""
    from liveapp.models import User

    barrier = threading.Barrier(len(visitors))
    refused: list[str] = []

    def claim(vid):
        with app.app_context():
            rep = db.session.get(User, rep_id)
            barrier.wait(timeout=10)
            try:
                conversations.claim(vid, rep, "pounce")
            except ConversationRefused as why:
                refused.append(str(why))

    threads = [threading.Thread(target=claim, args=(vid,)) for vid in visitors]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return refused


def test_racing_claims_never_exceed_the_concurrent_chat_limit(api, app, rep, app_ctx):
    """Limit 3 with 2 open: of five claims at once (five tabs, five visitors) one wins,
    round after round, on whichever database."""
    rep.max_concurrent_chats = 3
    db.session.commit()
    for _ in range(6):
        for _ in range(2):
            conversations.claim(routed(api, rep), rep, "pounce")
        refused = _claim_at_once(app, rep.id, [routed(api, rep) for _ in range(5)])
        assert len(refused) == 4, refused
        assert all("You already have 3 open chats" in why for why in refused)
        db.session.expire_all()
        assert conversations.open_chats(rep.id) == 3
        for conversation in db.session.scalars(db.select(Conversation).where(
                Conversation.status == "open")).all():
            conversations.close(conversation)
