"""Settings → Users shows each user's state as routing sees it (issue 12, item 12):
the reps routing reads, with board presence, judged by routing's own eligibility."""

from __future__ import annotations

import re
import time
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from liveapp.extensions import db
from liveapp.models import Conversation, Visitor
from liveapp.services.routing import board_presence, reps
from liveapp.services.settings import sites
from tests.clock import at_each_instant

# Monday 23 November 2026, 10:00 UTC (11:00 in Paris, 05:00 in New York).
MONDAY_10_UTC = datetime(2026, 11, 23, 10, 0, tzinfo=UTC).timestamp()
OFFICE = [[["09:00", "17:00"]]] * 5 + [[], []]


def state_on_page(html: str, user_id: int) -> str:
    """The "Routing now" cell of one user's row, as text."""
    row = html[html.index(f'id="user-{user_id}"'):]
    cell = re.search(r'<td class="routing-state">(.*?)</td>', row, re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", "", cell).split())


def setting_on_page(html: str, user_id: int) -> str:
    row = html[html.index(f'id="user-{user_id}"'):]
    return re.search(r'<td class="availability">(.*?)</td>', row, re.S).group(1).strip()


@pytest.fixture
def users_page(as_admin):
    return lambda: as_admin.get("/settings/users/").get_data(as_text=True)


@pytest.fixture
def open_chats(app_ctx):
    """open_chats(user, n): n open conversations for the user (and one closed one)."""
    site = sites.save_site(None, name="Example", allowed_origins=["https://www.example.com"])

    def make(user, n: int) -> None:
        for status in ["open"] * n + ["closed"]:
            visitor = Visitor(id=str(uuid.uuid4()), site_id=site.id)
            db.session.add(visitor)
            db.session.add(Conversation(visitor=visitor, rep_id=user.id, origin="inbound",
                                        status=status))
        db.session.commit()

    return make


def test_a_rep_whose_board_is_closed_shows_offline_not_their_setting(users_page, make_user):
    never = make_user(name="Nora Never")
    closed = make_user(name="Cole Closed")
    board_presence.board_closed(closed.id, now=time.time() - 600)
    html = users_page()
    for user in (never, closed):
        assert state_on_page(html, user.id) == "Offline (board closed)"
        assert setting_on_page(html, user.id) == "available"  # their own setting stays visible


def test_a_rep_with_an_open_board_shows_available(users_page, make_user):
    rep = make_user(name="Olga Open")
    board_presence.touch_board(rep.id)
    assert state_on_page(users_page(), rep.id) == "Available (board open)"


def test_away_and_chosen_offline_show_as_such(users_page, make_user):
    away, offline = make_user(availability="away"), make_user(availability="offline")
    for user in (away, offline):
        board_presence.touch_board(user.id)
    html = users_page()
    assert (state_on_page(html, away.id), setting_on_page(html, away.id)) == ("Away", "away")
    assert state_on_page(html, offline.id) == "Offline"


@at_each_instant  # working hours are read on the wall clock
def test_outside_working_hours_shows_the_hours(users_page, make_user):
    # A half-hour shift every day, twelve hours from now on Paris's clock: never now.
    start = (datetime.now(ZoneInfo("Europe/Paris")) + timedelta(hours=12)).hour
    shift = [f"{start:02d}:00", f"{start:02d}:30"]
    rep = make_user(time_zone="Europe/Paris", working_hours=[[shift]] * 7)
    board_presence.touch_board(rep.id)
    assert state_on_page(users_page(), rep.id) == (
        f"Outside working hours: Mon–Sun {shift[0]}–{shift[1]} (Europe/Paris)")


def test_a_rep_at_their_chat_limit(users_page, make_user, open_chats):
    full, room = make_user(max_concurrent_chats=2), make_user(max_concurrent_chats=3)
    open_chats(full, 2)
    open_chats(room, 2)
    for user in (full, room):
        board_presence.touch_board(user.id)
    html = users_page()
    assert state_on_page(html, full.id) == "At their chat limit (2/2)"
    assert state_on_page(html, room.id) == "Available (board open)"


def test_not_a_chat_user_and_deactivated(users_page, make_user):
    viewer = make_user(is_chat_user=False)
    gone = make_user(active=False, availability="offline")
    html = users_page()
    assert state_on_page(html, viewer.id) == "Not a chat user"
    assert state_on_page(html, gone.id) == "Deactivated"


def test_states_at_a_fixed_instant_read_working_hours_in_each_zone(app_ctx, make_user):
    paris = make_user(time_zone="Europe/Paris", working_hours=OFFICE)
    new_york = make_user(time_zone="America/New_York", working_hours=OFFICE)
    for user in (paris, new_york):
        board_presence.touch_board(user.id, now=MONDAY_10_UTC - 30)
    states = reps.routing_states([paris, new_york], now=MONDAY_10_UTC)
    assert states[paris.id].words == "Available (board open)" and states[paris.id].eligible
    assert states[new_york.id].words == (
        "Outside working hours: Mon–Fri 09:00–17:00 (America/New_York)")
    # Three minutes later the boards count as closed: the two-minute rule, applied at `now`.
    later = reps.routing_states([paris], now=MONDAY_10_UTC + 180)
    assert later[paris.id].words == "Offline (board closed)"


def test_the_states_are_what_routing_decides_by(app_ctx, make_user):
    """Same reps, same eligibility: the reps routing reads carry the board presence."""
    open_board, closed = make_user(), make_user()
    board_presence.touch_board(open_board.id)
    by_id = {r.id: r for r in reps.routing_reps()}
    assert by_id[open_board.id].availability == "available"
    assert (by_id[closed.id].availability, by_id[closed.id].board_closed) == ("offline", True)

