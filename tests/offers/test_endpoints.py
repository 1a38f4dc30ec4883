"""Accept prompts over HTTP: the board shows the rep's prompts on load, declining (access,
CSRF), accepting through the claim endpoint, and visitor text shown inert."""

from __future__ import annotations

from liveapp.services.routing import assignments, declines, router
from tests.offers.conftest import channel, offers
from tests.routing_jobs.conftest import work


def asked(vid: str) -> None:
    router.request_inbound(vid)
    work()


def test_the_board_shows_the_reps_prompts_on_load(job_app, visit, two_reps, make_rule,
                                                  signed_in, admin):
    ann, _ = two_reps
    make_rule(two_reps, name="Pricing visitors")
    vid = visit(traits={"name": "Vera Visitor"})
    asked(vid)
    page = signed_in(ann).get("/").get_data(as_text=True)
    assert f'id="offer-{vid}"' in page and "Vera Visitor" in page
    assert 'sse-swap="offer"' in page and "alerts.js" in page
    # An admin who is not offered the visitor sees every card but no prompt.
    admin_page = signed_in(admin).get("/").get_data(as_text=True)
    assert f'id="offer-{vid}"' not in admin_page and 'id="offers-list"' in admin_page
    # The list alone (re-fetched after a reconnect).
    assert f'id="offer-{vid}"' in signed_in(ann).get("/offers/").get_data(as_text=True)


def test_an_offered_admin_gets_the_prompt(job_app, visit, make_rep, make_rule, signed_in):
    boss = make_rep(role="admin", name="Ada Admin", email="ada@example.com")
    make_rule([boss])
    vid = visit()
    asked(vid)
    assert f'id="offer-{vid}"' in signed_in(boss).get("/").get_data(as_text=True)


def test_decline_moves_the_prompt_on(job_app, visit, two_reps, make_rule, signed_in, record):
    ann, bob = two_reps
    make_rule(two_reps)
    vid = visit()
    asked(vid)
    recorder = record(channel(ann), channel(bob))
    response = signed_in(ann).post(f"/offers/{vid}/decline", headers={"HX-Request": "true"})
    assert response.status_code == 200 and response.get_data(as_text=True) == ""
    # Ann's prompt goes; Bob's is still offered, updated in place: the avatars of the reps
    # it is offered to are his alone now.
    assert offers(recorder.take()) == {channel(ann): [f"delete #offer-{vid}"],
                                       channel(bob): [f"true #offer-{vid}"]}
    assert assignments.get(vid).offered_to == [bob.id]
    assert declines.excluded(vid) == {ann.id}
    assert f'id="offer-{vid}"' not in signed_in(ann).get("/").get_data(as_text=True)
    # Bob declines too: nobody is left, the visitor gets the meeting booker.
    assert signed_in(bob).post(f"/offers/{vid}/decline").status_code == 303
    assert offers(recorder.take()) == {channel(bob): [f"delete #offer-{vid}"]}
    assert assignments.get(vid).outcome == "meeting_booker"


def test_decline_is_for_offered_reps_only(job_app, visit, two_reps, make_rule, make_rep,
                                          signed_in, admin):
    make_rule(two_reps)
    vid = visit()
    asked(vid)
    stranger = make_rep(name="Stan Stranger", email="stan@example.com")
    assert signed_in(stranger).post(f"/offers/{vid}/decline").status_code == 404
    assert signed_in(two_reps[0]).post("/offers/no-such-visitor/decline").status_code == 404
    assert signed_in(admin).post(f"/offers/{vid}/decline").status_code == 403  # sees, not offered
    assert declines.excluded(vid) == set()
    assert sorted(assignments.get(vid).offered_to) == sorted(r.id for r in two_reps)


def test_decline_needs_the_csrf_token(job_app, visit, two_reps, make_rule, signed_in):
    make_rule(two_reps)
    vid = visit()
    asked(vid)
    client = signed_in(two_reps[0]).client
    assert client.post(f"/offers/{vid}/decline").status_code == 400
    assert declines.excluded(vid) == set()


def test_accept_claims_and_the_second_is_told_who_chats(job_app, visit, two_reps, make_rule,
                                                        signed_in, record):
    ann, bob = two_reps
    make_rule(two_reps)
    vid = visit()
    asked(vid)
    recorder = record(channel(ann), channel(bob))
    accepted = signed_in(ann).post(f"/conversations/claim/{vid}", {"origin": "inbound"},
                                   headers={"HX-Request": "true"})
    assert accepted.status_code == 201
    assert offers(recorder.take()) == {  # Bob's prompt says "Ann Rep accepted first."
        channel(ann): [f"delete #offer-{vid}"], channel(bob): [f"true #offer-{vid}"]}
    late = signed_in(bob).post(f"/conversations/claim/{vid}", {"origin": "inbound"},
                               headers={"HX-Request": "true"})
    assert late.status_code == 409
    assert "Ann Rep is already chatting with this visitor." in late.get_data(as_text=True)
    assert offers(recorder.take()) == {}


def test_visitor_text_in_a_prompt_is_inert(job_app, visit, two_reps, make_rule, signed_in,
                                           record):
    make_rule(two_reps)
    name = '<img src=x onerror="alert(1)">Eve'
    title = "<script>alert('t')</script>Pricing"
    vid = visit(traits={"name": name}, title=title)
    recorder = record(channel(two_reps[0]))
    asked(vid)
    [(_, _, data)] = [e for e in recorder.take() if e[1] == "offer"]
    page = signed_in(two_reps[0]).get("/").get_data(as_text=True)
    for html in (data, page):
        assert "<img src=x" not in html and "<script>alert" not in html
        assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;Eve" in html
        assert "&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt;Pricing" in html
