"""Live card events on Redis: who gets which event, once, and only when something changed."""

from __future__ import annotations

from liveapp.infra import realtime
from liveapp.services.live import board_view, boards, card_cache, cards
from liveapp.services.routing import assignments, board_presence
from tests.board.conftest import DOCS, HOME, PRICING, ops
from tests.ops.scrape import value


def channels(*users):
    return [realtime.ADMIN_CHANNEL, *(realtime.rep_channel(u.id) for u in users)]


def test_a_routed_visitor_is_placed_on_admin_and_rep_boards(
        app_ctx, visitors, record, admin, rep_a, rep_b, streams, scrape):
    before = scrape()
    recorder = record(*channels(admin, rep_a, rep_b))
    vid = visitors.visit(PRICING)
    column = f"stream-{streams['pricing'].id}"
    first = recorder.take()
    # Unrouted: only the admin board shows it.
    assert [(c, e) for c, e, _ in first] == [("admin", "admin-card")]
    # A board that never showed the card is sent no removal (it has no target there).
    assert ops(first[0][2]) == [f"afterbegin:#{column}-cards"]
    visitors.route(vid, rep_a)
    events = recorder.take()
    by_channel = {c: (e, d) for c, e, d in events}
    assert set(by_channel) == {"admin", realtime.rep_channel(rep_a.id)}
    event, data = by_channel[realtime.rep_channel(rep_a.id)]
    assert event == "card"
    assert ops(data) == [f"true #{column}-head", f"afterbegin:#{column}-cards"]
    assert "<h2>Pricing</h2>" in data and "routed to Alice Rep" in data
    # The admin's card changed (routing status) and is updated in place.
    assert by_channel["admin"][0] == "admin-card"
    assert ops(by_channel["admin"][1]) == [f"true #visitor-{vid}"]
    # Counted as sent (liveapp_cards_sent_total), by board: two to the admin's, one to A's.
    after = scrape()
    for board, sent in (("admin", 2), ("rep", 1)):
        assert value(after, "liveapp_cards_sent_total", board=board) - value(
            before, "liveapp_cards_sent_total", board=board) == sent


def test_one_event_one_card_event_per_channel(app_ctx, visitors, record, admin, rep_a):
    vid = visitors.visit(PRICING)
    visitors.route(vid, rep_a)
    recorder = record(*channels(admin, rep_a))
    visitors.visit(PRICING + "?plan=team", visitor_id=vid, title="Team plan")
    events = recorder.take()
    assert sorted(c for c, _, _ in events) == sorted(channels(rep_a))
    for _, _, data in events:
        assert ops(data) == [f"true #visitor-{vid}"] and "Team plan" in data and "2 pages" in data


def test_heartbeats_that_change_nothing_publish_nothing(app_ctx, visitors, record, admin, rep_a):
    vid = visitors.visit(PRICING)
    visitors.route(vid, rep_a)
    recorder = record(*channels(admin, rep_a))
    for _ in range(3):
        visitors.event(vid, "heartbeat", active=True)
    assert recorder.take() == []


def test_moving_between_streams_moves_the_card(app_ctx, visitors, record, admin, rep_a, streams):
    vid = visitors.visit(PRICING)
    visitors.route(vid, rep_a)
    recorder = record(*channels(admin, rep_a))
    visitors.visit(DOCS, visitor_id=vid)
    docs = f"stream-{streams['docs'].id}"
    events = {c: d for c, _, d in recorder.take()}
    assert ops(events["admin"]) == [f"delete #visitor-{vid}", f"afterbegin:#{docs}-cards"]
    assert ops(events[realtime.rep_channel(rep_a.id)]) == [
        f"delete #visitor-{vid}", f"true #{docs}-head", f"afterbegin:#{docs}-cards"]
    # Out of every stream: the rep loses it, the admin sees it in "Other visitors".
    visitors.visit(HOME, visitor_id=vid)
    events = {c: d for c, _, d in recorder.take()}
    assert ops(events[realtime.rep_channel(rep_a.id)]) == [f"delete #visitor-{vid}"]
    assert ops(events["admin"]) == [f"delete #visitor-{vid}", "afterbegin:#stream-other-cards"]


def test_rerouting_removes_the_card_from_the_rep_no_longer_routed(
        app_ctx, visitors, record, admin, rep_a, rep_b, streams):
    vid = visitors.visit(PRICING)
    visitors.route(vid, rep_a)
    recorder = record(*channels(admin, rep_a, rep_b))
    visitors.route(vid, rep_b)
    events = {c: d for c, _, d in recorder.take()}
    assert ops(events[realtime.rep_channel(rep_a.id)]) == [f"delete #visitor-{vid}"]
    assert f"delete #visitor-{vid}" not in ops(events[realtime.rep_channel(rep_b.id)])
    assert "afterbegin:" in ops(events[realtime.rep_channel(rep_b.id)])[-1]
    assignments.clear(vid)
    events = {c: d for c, _, d in recorder.take()}
    assert ops(events[realtime.rep_channel(rep_b.id)]) == [f"delete #visitor-{vid}"]
    assert realtime.rep_channel(rep_a.id) not in events


def test_leaving_removes_the_card_everywhere(app_ctx, visitors, record, admin, rep_a):
    vid = visitors.visit(PRICING)
    visitors.route(vid, rep_a)
    recorder = record(*channels(admin, rep_a))
    visitors.leave(vid)
    events = recorder.take()
    assert sorted(c for c, _, _ in events) == sorted(channels(rep_a))
    for _, _, data in events:
        assert ops(data) == [f"delete #visitor-{vid}"]


def test_rep_a_never_receives_rep_bs_visitors(app_ctx, visitors, record, rep_a, rep_b):
    recorder = record(realtime.rep_channel(rep_a.id))
    vid = visitors.visit(PRICING)
    visitors.route(vid, rep_b)
    visitors.visit(DOCS, visitor_id=vid)
    visitors.leave(vid)
    assert recorder.take() == []


def test_the_detail_page_gets_timeline_entries_and_card_updates(
        app_ctx, browser, visitors, record, rep_a):
    vid = visitors.visit(PRICING)
    visitors.route(vid, rep_a)
    assert browser.login(rep_a.email).status_code == 303
    assert browser.get(f"/board/visitors/{vid}").status_code == 200
    assert browser.post(f"/board/visitors/{vid}/viewing").status_code == 204
    recorder = record(realtime.rep_channel(rep_a.id))
    visitors.visit(DOCS, visitor_id=vid, title="Docs home")
    events = {e: d for _, e, d in recorder.take()}
    detail = events[f"visitor-{vid}"]
    assert ops(detail) == [f"afterbegin:#timeline-{vid}", f"true #visitor-{vid}"]
    assert "Docs home" in detail
    assert "Entered stream Docs" in detail


def test_opening_a_detail_shows_the_viewing_marker_live(
        app_ctx, browser, visitors, record, admin, rep_a):
    vid = visitors.visit(PRICING)
    visitors.route(vid, rep_a)
    recorder = record(realtime.ADMIN_CHANNEL)
    assert browser.login(rep_a.email).status_code == 303
    browser.post(f"/board/visitors/{vid}/viewing")  # the detail page, once loaded
    [(_, _, data)] = recorder.take()
    assert "Alice Rep viewing" in data
    browser.post(f"/board/visitors/{vid}/viewing")  # a refresh changes nothing visible
    assert recorder.take() == []
    browser.post(f"/board/visitors/{vid}/viewing/end")
    [(_, _, data)] = recorder.take()
    assert "viewing" not in data


def test_expired_viewing_markers_are_swept_off_the_cards(
        app_ctx, visitors, record, admin, rep_a):
    import time

    from liveapp.services.live import boards, viewers

    vid = visitors.visit(PRICING)
    visitors.route(vid, rep_a)
    viewers.mark(vid, rep_a.id)
    boards.viewing_changed(vid)  # as opening the detail does
    recorder = record(realtime.ADMIN_CHANNEL)
    later = time.time() + viewers.VIEWING_TTL + 1  # the tab closed without its beacon
    assert boards.sweep_viewers(later) == {vid}
    assert boards.sweep_viewers(later) == set()
    assert viewers.current(vid, later) == []
    [(_, _, data)] = recorder.take()
    assert "viewing" not in data


def test_a_settings_change_makes_open_boards_refetch(app_ctx, streams, record, admin, rep_a):
    from liveapp.services.membership import streams as stream_service

    board_presence.touch_board(rep_a.id)  # Alice's board is open
    recorder = record(*channels(admin, rep_a))
    stream = streams["docs"]
    stream_service.save_stream(stream, name="Documentation", colour=stream.colour,
                               segments=list(stream.segments), experiences=[])
    events = recorder.take()
    assert sorted((c, e) for c, e, _ in events) == sorted(
        [("admin", "refresh"), (realtime.rep_channel(rep_a.id), "refresh")])


def test_a_refresh_that_read_before_another_cannot_overwrite_it(
        app_ctx, visitors, record, admin, rep_a, monkeypatch):
    """Two processes refresh one visitor: the first reads it unrouted; meanwhile the
    visitor is routed to A and that refresh stores and sends its card; the first then
    swaps. Its older card must not win: A's board (from the card cache) keeps the visitor
    and A is sent no removal."""
    vid = visitors.visit(PRICING)
    read = cards.load_many

    def read_then_routed_elsewhere(ids):
        loaded = read(ids)
        monkeypatch.setattr(cards, "load_many", read)
        visitors.route(vid, rep_a)  # another process: commit, refresh, send
        return loaded

    recorder = record(*channels(admin, rep_a))
    monkeypatch.setattr(cards, "load_many", read_then_routed_elsewhere)
    stale = boards.refresh_many([vid])[vid]
    assert stale.delivery.events == []
    assert rep_a.id in card_cache.placed_many([vid])[0].reps
    assert board_view.board_for(rep_a).card_count == 1
    sent_to_a = [d for c, _, d in recorder.take() if c == realtime.rep_channel(rep_a.id)]
    assert sent_to_a and not any(f"delete #visitor-{vid}" in ops(d) for d in sent_to_a)
    # The next change refreshes as usual.
    visitors.route(vid)
    assert rep_a.id not in card_cache.placed_many([vid])[0].reps
