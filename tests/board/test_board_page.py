"""The board page, its fragments and the visitor detail, per role."""

from __future__ import annotations

import pytest

from liveapp.services.live import board_view
from liveapp.services.routing import assignments
from tests.board.conftest import DOCS, HOME, PRICING


@pytest.fixture
def scene(visitors, rep_a, rep_b):
    """Alice is routed a visitor on pricing, Bob one on docs; one unrouted visitor is on
    pricing and one in no stream."""
    alice_v = visitors.visit(PRICING)
    bob_v = visitors.visit(DOCS)
    unrouted = visitors.visit(PRICING)
    nowhere = visitors.visit(HOME)
    visitors.route(alice_v, rep_a)
    visitors.route(bob_v, rep_b)
    return {"alice": alice_v, "bob": bob_v, "unrouted": unrouted, "nowhere": nowhere}


def login(browser, user):
    assert browser.login(user.email).status_code == 303
    return browser


def test_admin_sees_every_stream_and_every_live_visitor(browser, admin, scene, streams):
    page = login(browser, admin).get("/").get_data(as_text=True)
    for vid in scene.values():
        assert f'id="visitor-{vid}"' in page
    assert "Pricing" in page and "Docs" in page and "Other visitors" in page
    assert page.index(f'id="stream-{streams["pricing"].id}"') < page.index(
        f'id="stream-{streams["docs"].id}"') < page.index('id="stream-other"')
    assert f'sse-connect="/events/stream?channel=rep:{admin.id}&amp;channel=admin"' in page
    assert 'sse-swap="admin-card"' in page
    # Who each visitor is routed to is on its card.
    assert "routed to Alice Rep" in page and "routed to Bob Rep" in page


def test_admin_board_columns_hold_the_right_cards(app_ctx, admin, scene, streams):
    columns = {c.id: [card.id for card in c.cards] for c in board_view.board_for(admin).columns}
    assert columns[f"stream-{streams['pricing'].id}"] == [scene["unrouted"], scene["alice"]]
    assert columns[f"stream-{streams['docs'].id}"] == [scene["bob"]]
    assert columns["stream-other"] == [scene["nowhere"]]


def test_a_rep_sees_only_their_visitors_and_streams(browser, rep_a, scene, streams):
    page = login(browser, rep_a).get("/").get_data(as_text=True)
    assert f'id="visitor-{scene["alice"]}"' in page
    for other in ("bob", "unrouted", "nowhere"):
        assert scene[other] not in page
    assert "<h2>Pricing</h2>" in page
    assert "<h2>Docs</h2>" not in page  # Docs holds none of Alice's visitors
    assert "Other visitors" not in page
    assert f'channel=rep:{rep_a.id}"' in page and "channel=admin" not in page
    assert 'sse-swap="card"' in page


def test_a_rep_never_gets_another_reps_visitor(browser, rep_a, scene):
    login(browser, rep_a)
    assert browser.get(f"/board/cards/{scene['bob']}").status_code == 404
    assert browser.get(f"/board/visitors/{scene['bob']}").status_code == 404
    assert browser.post(f"/board/visitors/{scene['bob']}/viewing").status_code == 404
    assert browser.get(f"/board/cards/{scene['unrouted']}").status_code == 404
    assert scene["bob"] not in browser.get("/board/body").get_data(as_text=True)
    assert browser.get(f"/board/cards/{scene['alice']}").status_code == 200


def test_the_card_fragment_is_the_card_on_the_page(browser, rep_a, scene):
    login(browser, rep_a)
    fragment = browser.get(f"/board/cards/{scene['alice']}").get_data(as_text=True)
    assert fragment.startswith(f'<article id="visitor-{scene["alice"]}"')
    assert "<html" not in fragment
    assert fragment.strip() in browser.get("/").get_data(as_text=True)


def test_empty_state_when_nobody_is_live(browser, rep_a, streams):
    page = login(browser, rep_a).get("/").get_data(as_text=True)
    assert "No visitors on your site right now" in page
    assert "visitor-card" not in page


def test_a_rep_loses_a_visitor_in_no_stream(app_ctx, rep_a, visitors):
    vid = visitors.visit(HOME)
    visitors.route(vid, rep_a)
    assert board_view.board_for(rep_a).card_count == 0
    visitors.visit(PRICING, visitor_id=vid)
    assert board_view.board_for(rep_a).card_count == 1


def test_left_visitors_drop_off(app_ctx, admin, rep_a, visitors):
    vid = visitors.visit(PRICING)
    visitors.route(vid, rep_a)
    visitors.leave(vid)
    assert board_view.board_for(admin).card_count == 0
    assert board_view.board_for(rep_a).card_count == 0


def test_card_shows_everything_known(app_ctx, browser, admin, rep_a, rep_b, visitors):
    from liveapp.extensions import db
    from liveapp.models import Visitor

    vid = visitors.visit(PRICING, title="Pricing plans")
    visitor = db.session.get(Visitor, vid)
    visitor.name, visitor.company_name, visitor.city, visitor.country = (
        "Jane Doe", "Acme", "Lyon", "France")
    visitor.industry, visitor.employees, visitor.revenue_band = "Software", 250, "$10M-$50M"
    visitor.abm_target, visitor.abm_tier, visitor.lead_score = True, "1", 87
    visitor.lifecycle_stage = "MQL"
    visitor.crm = {"salesforce": {"record_type": "Contact", "owner_name": "Olga Owner",
                                  "account_name": "Acme Corp"}}
    db.session.commit()
    assignments.save(vid, assignments.Assignment(
        rule_name="Enterprise", mode="round_robin", routed_to=[rep_a.id, rep_b.id],
        offered_to=[rep_a.id], explanation="rule Enterprise matched; offered to Alice"))
    login(browser, admin)
    html = browser.get(f"/board/cards/{vid}").get_data(as_text=True)
    for text in ("Jane Doe", "Acme", "Lyon, France", "Pricing plans", PRICING, "1 page",
                 "data-since=", "dot-active", "Software", "250 employees", "$10M-$50M",
                 "Target account, tier 1", "score 87", "MQL", "Contact", "owner Olga Owner",
                 "Acme Corp", "Enterprise", "Round robin", "offered to Alice Rep",
                 "Why: rule Enterprise matched; offered to Alice"):
        assert text in html, text


def test_visitor_detail_shows_card_and_timeline_and_marks_viewing(
        browser, app_ctx, rep_a, visitors):
    from liveapp.services.live import viewers

    vid = visitors.visit(PRICING, title="Pricing")
    visitors.visit(DOCS, visitor_id=vid, title="Docs home")
    visitors.route(vid, rep_a)
    login(browser, rep_a)
    page = browser.get(f"/board/visitors/{vid}").get_data(as_text=True)
    assert f'id="visitor-{vid}"' in page and f'id="timeline-{vid}"' in page
    assert page.index("Docs home") < page.index(">Pricing<")  # newest first
    assert "High intent" in page  # the routing event
    assert f'sse-swap="visitor-{vid}"' in page
    assert "Start conversation" in page  # conversations (issue 8) add the pounce button
    assert 'hx-trigger="load, every 15s' in page  # the page marks its rep as viewing
    assert viewers.current(vid) == []
    assert browser.post(f"/board/visitors/{vid}/viewing").status_code == 204
    assert viewers.current(vid) == [rep_a.id]
    assert "Alice Rep viewing" in browser.get(f"/board/cards/{vid}").get_data(as_text=True)
    assert browser.post(f"/board/visitors/{vid}/viewing/end").status_code == 204
    assert viewers.current(vid) == []


def test_anonymous_users_go_to_login(browser, scene):
    for path in ("/", "/board/body", f"/board/cards/{scene['alice']}",
                 f"/board/visitors/{scene['alice']}"):
        response = browser.get(path)
        assert response.status_code == 302 and "/auth/login" in response.location


def test_the_board_shows_each_cards_latest_state(browser, app_ctx, admin, rep_a, visitors):
    """Cards are rendered once per change and kept: the page shows the latest one."""
    vid = visitors.visit(PRICING, title="Opening page")
    login(browser, admin)
    assert "Opening page" in browser.get("/").get_data(as_text=True)
    visitors.visit(PRICING, visitor_id=vid, title="Second")
    visitors.route(vid, rep_a)
    page = browser.get("/").get_data(as_text=True)
    assert "Second" in page and "2 pages" in page and "routed to Alice Rep" in page
    assert "Opening page" not in page


def test_a_settings_change_refreshes_cached_names(browser, app_ctx, admin, visitors, streams):
    from liveapp.services.membership import streams as stream_service

    vid = visitors.visit(PRICING)
    login(browser, admin)
    assert f'id="visitor-{vid}"' in browser.get("/").get_data(as_text=True)
    stream = streams["pricing"]
    stream_service.save_stream(stream, name="Hot pricing", colour=stream.colour,
                               segments=list(stream.segments), experiences=[])
    assert "<h2>Hot pricing</h2>" in browser.get("/").get_data(as_text=True)


def test_the_detail_fragment_is_refetched_after_a_reconnect(browser, rep_a, scene):
    login(browser, rep_a)
    fragment = browser.get(f"/board/visitors/{scene['alice']}/detail").get_data(as_text=True)
    assert fragment.startswith(f'<div id="detail-{scene["alice"]}"')
    assert f'id="timeline-{scene["alice"]}"' in fragment and "<html" not in fragment
    assert browser.get(f"/board/visitors/{scene['bob']}/detail").status_code == 404


def test_a_card_names_its_reps_for_the_boards_filter(app_ctx, browser, admin, rep_a, make_user,
                                                     visitors):
    """The filter (board.js) finds cards by the reps they are with: routed, offered or
    claimed, each once, as text (a rep's name is escaped like anything else)."""
    odd = make_user(role="rep", email="odd@example.com", name='Eve "<b>" Rep')
    vid = visitors.visit(PRICING, title="Pricing plans")
    assignments.save(vid, assignments.Assignment(
        rule_name="Enterprise", mode="round_robin", routed_to=[rep_a.id, odd.id],
        offered_to=[rep_a.id], explanation="rule Enterprise matched"))
    login(browser, admin)
    html = browser.get(f"/board/cards/{vid}").get_data(as_text=True)
    assert 'data-reps="Alice Rep, Eve &#34;&lt;b&gt;&#34; Rep"' in html
    page = browser.get("/").get_data(as_text=True)
    assert '<label for="board-filter-input">Find a visitor</label>' in page
    assert 'id="board-filter-count"' in page and 'aria-live="polite"' in page
    other = visitors.visit(PRICING, title="Pricing plans")  # with nobody: no attribute
    assert "data-reps" not in browser.get(f"/board/cards/{other}").get_data(as_text=True)
